using System.Diagnostics;
using Dapper;
using Governance.Core.Database;
using Npgsql;

namespace Governance.Core.Audit;

public enum AuditProblem
{
    None,
    Missing,
    EntryDeleted,
    Modified,
    Inserted,
    BrokenLink,
    Truncated,
    Unchained,
}

/// <summary>What a verification found. <see cref="FirstBadPosition"/> is the chain position where it went wrong.</summary>
public sealed record AuditVerification(
    long FromPosition,
    long ToPosition,
    long Checked,
    long? FirstBadPosition,
    AuditProblem Problem,
    string Summary,
    byte[]? HeadHash,
    TimeSpan Elapsed)
{
    public bool Intact => Problem == AuditProblem.None;
}

/// <summary>
/// Recomputes the chain from the stored entries and compares: every position present and in order, every entry
/// still there, every hash matching its entry's content, every link matching the previous hash, history up to
/// earlier checkpoints unchanged, and every entry either chained or queued for sealing. Streams the chain, so a
/// million entries take seconds and constant memory.
/// </summary>
public sealed class AuditVerifier(GovernanceDatabase database, PublishedCheckpoints? published = null)
{
    /// <remarks>
    /// The head, the rows, the checkpoints and the check for unchained entries are read in one repeatable-read,
    /// read-only transaction: a checkpoint recorded meanwhile by another verification, or entries sealed meanwhile,
    /// cannot make this run see a chain shorter than a checkpoint it reads.
    /// </remarks>
    public async Task<AuditVerification> VerifyAsync(long? fromPosition, long? toPosition, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await connection.ExecuteAsync(new CommandDefinition("set transaction read only", transaction: tx, cancellationToken: ct));
        var head = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("select max(seq) from gov.audit_chain", transaction: tx, cancellationToken: ct)) ?? 0;
        var from = Math.Max(1, fromPosition ?? 1);
        var to = Math.Min(head, toPosition ?? head);
        var full = fromPosition is null && toPosition is null;
        if (!full && from > head)
        {
            // A range that starts past the end holds nothing to check; a cut-off end is the full verification's to find (checkpoints).
            return Result(from, head, 0, null, AuditProblem.None, $"Nothing to check: the chain ends at position {head}.", null, clock);
        }

        var expectedPrev = from == 1
            ? AuditCanonical.Genesis
            : await connection.ExecuteScalarAsync<byte[]?>(new CommandDefinition("select hash from gov.audit_chain where seq = @p", new { p = from - 1 }, tx, cancellationToken: ct));
        if (expectedPrev is null)
        {
            return Result(from, to, 0, from - 1, AuditProblem.Missing, $"Position {from - 1}, before the range, is missing: a chain entry was deleted.", null, clock);
        }

        var walk = to - from + 1 >= ParallelFrom && Environment.ProcessorCount > 1
            ? await WalkInParallelAsync(connection, tx, from, to, ct)
            : await WalkAsync(connection, tx, from, to, expectedPrev, ct);
        if (walk.Failure is { } failure)
        {
            return Result(from, to, walk.Checked, failure.Position, failure.Problem, failure.Summary, walk.LastHash, clock);
        }

        if (full && await CheckCompletenessAsync(connection, tx, head, ct) is { } incomplete)
        {
            return Result(from, to, walk.Checked, incomplete.Position, incomplete.Problem, incomplete.Summary, walk.LastHash, clock);
        }

        if (full && await CheckPublishedAsync(connection, tx, head, ct) is { } outside)
        {
            return Result(from, to, walk.Checked, outside.Position, outside.Problem, outside.Summary, walk.LastHash, clock);
        }

        return Result(from, to, walk.Checked, null, AuditProblem.None,
            walk.Checked == 0 ? "The chain is empty." : $"Positions {from} to {to} are intact.", walk.LastHash, clock);
    }

    private sealed record Walk(long Checked, byte[]? LastHash, (long Position, AuditProblem Problem, string Summary)? Failure);

    /// <summary>Ranges at least this long are walked in parallel parts (a setting for tests; the default suits the machine's cores).</summary>
    public long ParallelFrom { get; init; } = 200_000;

    /// <summary>
    /// Walks the range in parts on several connections that share this transaction's snapshot, so that they see the
    /// very same chain. Each part starts one position early, so that its first link and an inserted position at its
    /// start are judged as a single walk would judge them; the first failure by position is the answer.
    /// </summary>
    private async Task<Walk> WalkInParallelAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long from, long to, CancellationToken ct)
    {
        var snapshot = await connection.ExecuteScalarAsync<string>(new CommandDefinition("select pg_export_snapshot()", transaction: tx, cancellationToken: ct));
        var parts = (int)Math.Clamp(Environment.ProcessorCount, 2, 4);
        var size = (to - from + 1 + parts - 1) / parts;
        var walks = await Task.WhenAll(Enumerable.Range(0, parts).Select(i => from + (i * size)).Where(start => start <= to).Select(async start =>
        {
            var end = Math.Min(to, start + size - 1);
            var walkFrom = start == from ? from : start - 1;
            await using var part = await database.OpenAsync(ct);
            await using var partTx = await part.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            await part.ExecuteAsync(new CommandDefinition($"set transaction snapshot '{snapshot}'", transaction: partTx, cancellationToken: ct));
            await part.ExecuteAsync(new CommandDefinition("set transaction read only", transaction: partTx, cancellationToken: ct));
            var prev = walkFrom == 1
                ? AuditCanonical.Genesis
                : await part.ExecuteScalarAsync<byte[]?>(new CommandDefinition("select hash from gov.audit_chain where seq = @p", new { p = walkFrom - 1 }, partTx, cancellationToken: ct));
            return prev is null
                ? new Walk(0, null, (walkFrom - 1, AuditProblem.Missing, $"Position {walkFrom - 1} is missing: a chain entry was deleted."))
                : await WalkAsync(part, partTx, walkFrom, end, prev, ct);
        }));

        var failed = walks.Where(w => w.Failure is not null).OrderBy(w => w.Failure!.Value.Position).FirstOrDefault();
        return failed is not null
            ? failed with { Checked = failed.Failure!.Value.Position - from }
            : new Walk(to - from + 1, walks[^1].LastHash, null);
    }

    /// <summary>Streams positions <paramref name="from"/> to <paramref name="to"/>, recomputing each hash and link; stops at the first bad one.</summary>
    private static async Task<Walk> WalkAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long from, long to, byte[] expectedPrev, CancellationToken ct)
    {
        long checkedCount = 0;
        var expectedSeq = from;
        byte[]? lastHash = null;
        byte[]? hashBefore = null;
        byte[]? previousStoredPrev = null;
        var faulted = false;
        var texts = new byte[]?[10]; // the entry's text fields as UTF-8, in canonical order (AuditEntryReader.Columns)
        try
        {
            if (from <= to)
            {
                // Position by position through both primary keys, in order: the planner otherwise hashes the whole log for
                // every part of a parallel walk and sorts the result on disk (twice the time at 300,000 entries). No parallel
                // workers either: the walk runs in parts already, and gathering them cost a third more CPU on two cores.
                await using (var plan = new NpgsqlCommand("set local enable_hashjoin = off; set local enable_mergejoin = off; set local jit = off; set local max_parallel_workers_per_gather = 0", connection, tx))
                {
                    await plan.ExecuteNonQueryAsync(ct);
                }

                await using var command = new NpgsqlCommand(
                    $"select c.seq, c.entry_id, c.prev_hash, c.hash, e.id is null, {AuditEntryReader.Columns} " +
                    "from gov.audit_chain c left join gov.audit_log e on e.id = c.entry_id where c.seq between @from and @to order by c.seq",
                    connection, tx)
                {
                    CommandTimeout = 0, // millions of positions take minutes; the caller's token cancels
                };
                command.Parameters.AddWithValue("from", from);
                command.Parameters.AddWithValue("to", to);
                await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
                while (await reader.ReadAsync(ct))
                {
                    var seq = reader.GetInt64(0);
                    var entryId = reader.GetInt64(1);
                    var storedPrev = reader.GetFieldValue<byte[]>(2);
                    var storedHash = reader.GetFieldValue<byte[]>(3);
                    if (seq != expectedSeq)
                    {
                        return new Walk(checkedCount, lastHash, (expectedSeq, AuditProblem.Missing, $"Position {expectedSeq} is missing: a chain entry was deleted."));
                    }

                    if (reader.GetBoolean(4))
                    {
                        return new Walk(checkedCount, lastHash, (seq, AuditProblem.EntryDeleted, $"The entry sealed at position {seq} (entry {entryId}) was deleted."));
                    }

                    if (!storedPrev.AsSpan().SequenceEqual(expectedPrev))
                    {
                        // The link before this position is broken. If this position repeats the link of the one before,
                        // that one was slipped in between (it is not counted as checked, nor its hash as the head);
                        // otherwise something before it was removed or reordered.
                        return previousStoredPrev is not null && storedPrev.AsSpan().SequenceEqual(previousStoredPrev)
                            ? new Walk(checkedCount - 1, hashBefore, (seq - 1, AuditProblem.Inserted,
                                $"Position {seq - 1} was inserted into the chain: position {seq} still links to position {seq - 2}."))
                            : new Walk(checkedCount, lastHash, (seq, AuditProblem.BrokenLink,
                                $"Position {seq} does not link to position {seq - 1}: entries before it were removed, inserted or reordered."));
                    }

                    var id = reader.GetInt64(5);
                    var occurredAt = DbTime.Utc(reader.GetDateTime(6));
                    for (var i = 0; i < texts.Length; i++)
                    {
                        texts[i] = reader.IsDBNull(7 + i) ? null : reader.GetFieldValue<byte[]>(7 + i);
                    }

                    var computed = AuditCanonical.HashUtf8(seq, storedPrev, id, occurredAt, texts);
                    if (!computed.AsSpan().SequenceEqual(storedHash))
                    {
                        return new Walk(checkedCount, lastHash, (seq, AuditProblem.Modified, $"Position {seq} (entry {entryId}) was modified: its content no longer matches its hash."));
                    }

                    checkedCount++;
                    expectedSeq++;
                    previousStoredPrev = storedPrev;
                    expectedPrev = computed;
                    hashBefore = lastHash;
                    lastHash = computed;
                }
            }
        }
        catch
        {
            faulted = true;
            throw;
        }
        finally
        {
            if (from <= to && !faulted)
            {
                await using var restore = new NpgsqlCommand("set local enable_hashjoin = default; set local enable_mergejoin = default; set local jit = default; set local max_parallel_workers_per_gather = default", connection, tx);
                await restore.ExecuteNonQueryAsync(ct);
            }
        }

        return expectedSeq <= to
            ? new Walk(checkedCount, lastHash, (expectedSeq, AuditProblem.Missing, $"Position {expectedSeq} is missing: a chain entry was deleted."))
            : new Walk(checkedCount, lastHash, null);
    }

    /// <summary>
    /// History up to earlier checkpoints unchanged and not cut short; every entry before the head (in sealing
    /// order) in the chain; no entry with a transaction id not handed out yet (altered to stay out of the chain).
    /// Counts through the sealing index first and searches for the culprit only when the counts disagree.
    /// </summary>
    private static async Task<(long Position, AuditProblem Problem, string Summary)?> CheckCompletenessAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long head, CancellationToken ct)
    {
        if (await CheckCheckpointsAsync(connection, tx, head, ct) is { } checkpoint)
        {
            return checkpoint;
        }

        var counts = await connection.QuerySingleAsync<(long Before, long Future)>(new CommandDefinition($"""
            with head as ({AuditSealer.HeadSql})
            select (select count(*) from gov.audit_log e, head h where (e.txid, e.id) <= (h.txid::xid8, h.id)),
                   (select count(*) from gov.audit_log e where e.txid >= pg_snapshot_xmax(pg_current_snapshot()))
            """, transaction: tx, commandTimeout: 0, cancellationToken: ct));
        if (counts.Before == head && counts.Future == 0)
        {
            return null;
        }

        var skipped = await connection.ExecuteScalarAsync<long?>(new CommandDefinition($"""
            with head as ({AuditSealer.HeadSql})
            select min(e.id) from gov.audit_log e
            where (e.txid < pg_snapshot_xmax(pg_current_snapshot())
                   and (e.txid, e.id) < (select txid::xid8, id from head)
                   and not exists (select 1 from gov.audit_chain c where c.entry_id = e.id))
               or e.txid >= pg_snapshot_xmax(pg_current_snapshot())
            """, transaction: tx, commandTimeout: 0, cancellationToken: ct));
        return skipped is { } id
            ? (head + 1, AuditProblem.Unchained, $"Entry {id} is outside the chain although entries written after it are in it: its transaction id was altered.")
            : null;
    }

    private static async Task<(long Position, AuditProblem Problem, string Summary)?> CheckCheckpointsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long head, CancellationToken ct)
    {
        var checkpoints = await connection.QueryAsync<(long Seq, byte[] Hash, DateTime VerifiedAt, byte[]? Current)>(new CommandDefinition("""
            select k.seq, k.hash, k.verified_at, c.hash
            from gov.audit_checkpoints k left join gov.audit_chain c on c.seq = k.seq
            order by k.seq
            """, transaction: tx, cancellationToken: ct));
        foreach (var k in checkpoints)
        {
            if (k.Seq > head)
            {
                return (head + 1, AuditProblem.Truncated,
                    $"The chain ends at position {head}, but a verification on {k.VerifiedAt:yyyy-MM-dd HH:mm} UTC saw position {k.Seq}: entries were removed from its end.");
            }

            if (k.Current is null || !k.Current.AsSpan().SequenceEqual(k.Hash))
            {
                return (k.Seq, AuditProblem.Modified,
                    $"Position {k.Seq} differs from what the verification on {k.VerifiedAt:yyyy-MM-dd HH:mm} UTC saw: history was rewritten.");
            }
        }

        return null;
    }

    /// <summary>
    /// The chain against the checkpoints published outside the database: a rewrite that recomputed every hash and
    /// the checkpoints table alike still differs from what was published.
    /// </summary>
    private async Task<(long Position, AuditProblem Problem, string Summary)?> CheckPublishedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long head, CancellationToken ct)
    {
        if (published is null)
        {
            return null;
        }

        IReadOnlyList<(long Position, byte[] Hash, DateTimeOffset VerifiedAt)> outside;
        try
        {
            outside = published.Read();
        }
        catch (InvalidOperationException ex)
        {
            return (1, AuditProblem.Modified, ex.Message);
        }

        if (outside.Count == 0)
        {
            return null;
        }

        var seqs = outside.Select(o => o.Position).Distinct().ToArray();
        var current = (await connection.QueryAsync<(long Seq, byte[] Hash)>(new CommandDefinition(
            "select seq, hash from gov.audit_chain where seq = any(@seqs)", new { seqs }, tx, cancellationToken: ct))).ToDictionary(r => r.Seq, r => r.Hash);
        foreach (var (position, hash, at) in outside.OrderBy(o => o.Position))
        {
            if (position > head)
            {
                return (head + 1, AuditProblem.Truncated,
                    $"The chain ends at position {head}, but the checkpoint published outside the database on {at:yyyy-MM-dd HH:mm} UTC saw position {position}: entries were removed from its end.");
            }

            if (!current.TryGetValue(position, out var now) || !now.AsSpan().SequenceEqual(hash))
            {
                return (position, AuditProblem.Modified,
                    $"Position {position} differs from the checkpoint published outside the database on {at:yyyy-MM-dd HH:mm} UTC: history was rewritten, checkpoints table and all.");
            }
        }

        return null;
    }

    /// <summary>Records the head of an intact chain, so that later runs notice rewriting or truncation of what was seen.</summary>
    public async Task RecordCheckpointAsync(AuditVerification verification, CancellationToken ct)
    {
        if (!verification.Intact || verification.HeadHash is null || verification.ToPosition < 1)
        {
            return;
        }

        await using var connection = await database.OpenAsync(ct);
        // The database records the chain's own hash at that position (the console names the position, never the hash).
        var verifiedAt = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "select gov.audit_record_checkpoint(@seq)", new { seq = verification.ToPosition }, cancellationToken: ct));
        if (verifiedAt is { } at)
        {
            published?.Append(verification.ToPosition, verification.HeadHash, DbTime.Utc(at));
        }
    }

    private static AuditVerification Result(long from, long to, long checkedCount, long? bad, AuditProblem problem, string summary, byte[]? head, Stopwatch clock) =>
        new(from, to, checkedCount, bad, problem, summary, head, clock.Elapsed);
}
