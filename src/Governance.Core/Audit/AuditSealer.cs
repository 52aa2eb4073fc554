using Dapper;
using Governance.Core.Database;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.Audit;

/// <summary>
/// Moves committed entries from the sealing queue into the hash chain, one sealer at a time across all
/// processes (a transaction-level advisory lock). Writers never wait for each other: only the sealer orders.
/// An entry whose transaction is still open is invisible here and is sealed by a later run.
/// </summary>
public sealed class AuditSealer(GovernanceDatabase database)
{
    private const long LockKey = 0x676f762d61756474; // "gov-audt"

    /// <summary>Seals up to <paramref name="max"/> entries; returns how many (0 when another sealer holds the lock or nothing waits).</summary>
    public async Task<int> SealAsync(int max, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition("select pg_try_advisory_xact_lock(@key)", new { key = LockKey }, tx, cancellationToken: ct)))
        {
            return 0;
        }

        var ids = (await connection.QueryAsync<long>(new CommandDefinition("""
            delete from gov.audit_unsealed
            where entry_id in (select entry_id from gov.audit_unsealed order by entry_id limit @max)
            returning entry_id
            """, new { max }, tx, cancellationToken: ct))).ToArray();
        if (ids.Length == 0)
        {
            return 0;
        }

        var head = await connection.QuerySingleOrDefaultAsync<(long Seq, byte[] Hash)?>(new CommandDefinition(
            "select seq, hash from gov.audit_chain order by seq desc limit 1", transaction: tx, cancellationToken: ct));
        var seq = head?.Seq ?? 0;
        var prev = head?.Hash ?? AuditCanonical.Genesis;

        var rows = new List<(long Seq, long EntryId, byte[] Prev, byte[] Hash)>(ids.Length);
        await using (var command = new NpgsqlCommand(AuditEntryReader.SelectByIds, connection, tx))
        {
            command.Parameters.AddWithValue("ids", ids);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var entry = AuditEntryReader.Read(reader, 0);
                seq++;
                var hash = AuditCanonical.Hash(seq, prev, entry);
                rows.Add((seq, entry.Id, prev, hash));
                prev = hash;
            }
        }

        await using (var importer = await connection.BeginBinaryImportAsync("copy gov.audit_chain (seq, entry_id, prev_hash, hash) from stdin (format binary)", ct))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(ct);
                await importer.WriteAsync(row.Seq, NpgsqlDbType.Bigint, ct);
                await importer.WriteAsync(row.EntryId, NpgsqlDbType.Bigint, ct);
                await importer.WriteAsync(row.Prev, NpgsqlDbType.Bytea, ct);
                await importer.WriteAsync(row.Hash, NpgsqlDbType.Bytea, ct);
            }

            await importer.CompleteAsync(ct);
        }

        await tx.CommitAsync(ct);
        return rows.Count;
    }

    /// <summary>Seals until the queue is empty (or another sealer holds the lock).</summary>
    public async Task<long> SealAllAsync(CancellationToken ct)
    {
        long total = 0;
        int n;
        while ((n = await SealAsync(20_000, ct)) > 0)
        {
            total += n;
        }

        return total;
    }
}

/// <summary>Reads <see cref="AuditEntry"/> rows in the column order of its queries.</summary>
internal static class AuditEntryReader
{
    public const string Columns = "e.id, e.occurred_at, e.actor_type, e.actor_id, e.actor_roles, e.action, e.target_type, e.target_id, e.request_id, e.outcome, e.client_address, e.details::text";

    public const string SelectByIds = $"select {Columns} from gov.audit_log e where e.id = any(@ids) order by e.id";

    public static AuditEntry Read(NpgsqlDataReader r, int offset) => new(
        r.GetInt64(offset),
        new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(offset + 1), DateTimeKind.Utc)),
        r.GetString(offset + 2),
        r.GetString(offset + 3),
        r.IsDBNull(offset + 4) ? null : r.GetString(offset + 4),
        r.GetString(offset + 5),
        r.IsDBNull(offset + 6) ? null : r.GetString(offset + 6),
        r.IsDBNull(offset + 7) ? null : r.GetString(offset + 7),
        r.IsDBNull(offset + 8) ? null : r.GetString(offset + 8),
        r.GetString(offset + 9),
        r.IsDBNull(offset + 10) ? null : r.GetString(offset + 10),
        r.GetString(offset + 11));
}
