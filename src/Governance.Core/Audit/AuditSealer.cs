using Dapper;
using Governance.Core.Database;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.Audit;

/// <summary>
/// Appends entries to the hash chain in (transaction id, entry id) order, one sealer at a time across all
/// processes (a transaction-level advisory lock). It seals only entries whose transactions are below the
/// horizon (the oldest transaction still running): below it no entry can appear any more, so the sealed part is
/// final and no entry is skipped. Writers never wait for each other or for the sealer.
/// </summary>
public sealed class AuditSealer(GovernanceDatabase database)
{
    private const long LockKey = 0x676f762d61756474; // "gov-audt"

    /// <summary>
    /// The chain's last position, and the (txid, id) of the entry sealed there: everything before it in that order is
    /// sealed. Read from the chain alone, so that a log row deleted behind the sealer's back cannot wedge it.
    /// </summary>
    internal const string HeadSql = """
        select c.seq, c.hash, c.entry_txid::text as txid, c.entry_id as id
        from gov.audit_chain c
        order by c.seq desc limit 1
        """;

    /// <summary>Seals up to <paramref name="max"/> entries; returns how many (0 when another sealer holds the lock or nothing is ready).</summary>
    /// <remarks>
    /// Read committed, on purpose: the head is read by a statement that starts after the lock is held, so it sees the
    /// positions that the previous holder committed (one snapshot for the whole transaction, taken before the lock,
    /// could miss them and recompute an existing position).
    /// </remarks>
    public async Task<int> SealAsync(int max, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition("select pg_try_advisory_xact_lock(@key)", new { key = LockKey }, tx, cancellationToken: ct)))
        {
            return 0;
        }

        var head = await connection.QuerySingleOrDefaultAsync<(long Seq, byte[] Hash, string? Txid, long Id)?>(new CommandDefinition(HeadSql, transaction: tx, cancellationToken: ct));
        if (head is { Txid: null } broken)
        {
            throw new InvalidOperationException($"The audit chain's head (position {broken.Seq}) has no transaction id: its log entry was deleted before it could be recorded; sealing cannot go on. Run './gov audit verify'.");
        }

        var seq = head?.Seq ?? 0;
        var prev = head?.Hash ?? AuditCanonical.Genesis;

        var rows = new List<(long Seq, long EntryId, ulong Txid, byte[] Prev, byte[] Hash)>();
        var sql = $"""
            select {AuditEntryReader.Columns}, e.txid from gov.audit_log e
            where e.txid < pg_snapshot_xmin(pg_current_snapshot())
              {(head is null ? "" : "and (e.txid, e.id) > (@txid::xid8, @id)")}
            order by e.txid, e.id
            limit @max
            """;
        await using (var command = new NpgsqlCommand(sql, connection, tx))
        {
            command.Parameters.AddWithValue("max", max);
            if (head is { } h)
            {
                command.Parameters.AddWithValue("txid", h.Txid!);
                command.Parameters.AddWithValue("id", h.Id);
            }

            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var entry = AuditEntryReader.Read(reader, 0);
                seq++;
                var hash = AuditCanonical.Hash(seq, prev, entry);
                rows.Add((seq, entry.Id, reader.GetFieldValue<ulong>(12), prev, hash));
                prev = hash;
            }
        }

        if (rows.Count == 0)
        {
            return 0;
        }

        await using (var importer = await connection.BeginBinaryImportAsync("copy gov.audit_chain (seq, entry_id, entry_txid, prev_hash, hash) from stdin (format binary)", ct))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(ct);
                await importer.WriteAsync(row.Seq, NpgsqlDbType.Bigint, ct);
                await importer.WriteAsync(row.EntryId, NpgsqlDbType.Bigint, ct);
                await importer.WriteAsync(row.Txid, NpgsqlDbType.Xid8, ct);
                await importer.WriteAsync(row.Prev, NpgsqlDbType.Bytea, ct);
                await importer.WriteAsync(row.Hash, NpgsqlDbType.Bytea, ct);
            }

            await importer.CompleteAsync(ct);
        }

        await tx.CommitAsync(ct);
        return rows.Count;
    }

    /// <summary>Seals until nothing is ready (or another sealer holds the lock).</summary>
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

    public static AuditEntry Read(NpgsqlDataReader r, int offset) => new(
        r.GetInt64(offset),
        DbTime.Utc(r.GetDateTime(offset + 1)),
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
