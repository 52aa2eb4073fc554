using Dapper;
using Governance.Core.Database;
using Npgsql;

namespace Governance.Core.Audit;

/// <summary>
/// Appends entries to the hash chain in (transaction id, entry id) order, one sealer at a time across all
/// processes (a transaction-level advisory lock). It seals only entries whose transactions are below the
/// horizon (the oldest transaction still running): below it no entry can appear any more, so the sealed part is
/// final and no entry is skipped. Writers never wait for each other or for the sealer.
/// </summary>
public sealed class AuditSealer(GovernanceDatabase database)
{
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
    /// The database does the sealing (<c>gov.audit_seal</c>, running as the schema's owner): the console's role cannot
    /// write the chain, so it cannot put a hash of its own making there. Read committed, on purpose: the head is read
    /// by a statement that starts after the lock is held, so it sees the positions the previous holder committed.
    /// </remarks>
    public async Task<int> SealAsync(int max, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        int sealedCount;
        try
        {
            sealedCount = await connection.ExecuteScalarAsync<int>(new CommandDefinition("select gov.audit_seal(@max)", new { max }, tx, commandTimeout: 0, cancellationToken: ct));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.RaiseException)
        {
            throw new InvalidOperationException(ex.MessageText, ex);
        }

        await tx.CommitAsync(ct);
        return sealedCount;
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
