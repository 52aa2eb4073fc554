using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Holds;
using Npgsql;

namespace Governance.Core.Retention;

/// <summary>How the purge treats the live chat store: batch size and its bounds, the time a batch aims at, pauses, timeouts.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Rows of the rule's collection per batch at the start; the batch then grows or shrinks toward <see cref="TargetBatchMs"/>.</summary>
    public int BatchSize { get; set; } = 2_000;

    public int MinBatchSize { get; set; } = 100;

    public int MaxBatchSize { get; set; } = 10_000;

    /// <summary>How long one batch's transaction should take on the store (its locks are held that long).</summary>
    public int TargetBatchMs { get; set; } = 200;

    /// <summary>
    /// After each batch the purge pauses at least this many times the batch's own time (0.3: about a quarter of the
    /// time is pause), and more when the store is busier: the factor grows with the square of how much dearer a row has become
    /// than in the run's first ten batches (at most three times dearer counts, so at most nine times this); never less
    /// than <see cref="MinPauseMs"/>.
    /// </summary>
    public double PauseFactor { get; set; } = 0.3;

    public int MinPauseMs { get; set; } = 20;

    /// <summary>A batch waits this long for a row lock the chat system holds, then gives way and is tried again.</summary>
    public int LockTimeoutMs { get; set; } = 2_000;

    public int StatementTimeoutMs { get; set; } = 60_000;

    public int LockAttempts { get; set; } = 5;

    /// <summary>Where archive-then-delete rules keep their archives, per region (default: the data directory's <c>retention-archives/&lt;region&gt;</c>).</summary>
    public Dictionary<string, string> ArchiveFolders { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One run as the console records it.</summary>
public sealed record RetentionRun(
    Guid Id, string Rule, string Store, string Region, string Collection, string Action, string State, DateTimeOffset Cutoff,
    DateTimeOffset CreatedAt, string CreatedBy, string? DecidedBy, DateTimeOffset? DecidedAt, string? DecisionReason,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, int Batches, long RowsRemoved, long RowsHeld, long RowsKeptForDependants,
    long FilesRemoved, long FilesMissing, long? DurationMs, string? Problem, string? Preview)
{
    public IReadOnlyDictionary<string, long> Collections { get; init; } = new Dictionary<string, long>();

    /// <summary>The checkpoint: the last key of the last committed batch.</summary>
    public string? LastKey { get; init; }
}

/// <summary>
/// Runs a retention rule in one chat store: batched deletes along the collection's key, each batch one short
/// transaction with lock and statement timeouts; a batch's dependants (reactions, receipts, attachments) deleted and
/// links unlinked in the same transaction, their files removed once it has committed; held rows skipped and counted
/// (a row whose dependant is held stays too); pauses between batches that grow with the batch's time, so that the chat
/// system's own writes stay fast. Every batch is recorded before its store commits, so a run killed at any point
/// resumes where it stopped. Two processes never run the same rule in the same store at once (an advisory lock held
/// for the run). One audit entry per run.
/// </summary>
public sealed class RetentionPurge(GovernanceDatabase governance, ChatStoreRegistry stores, RetentionCatalog catalog, LegalHolds holds,
    AuditLog audit, RetentionOptions options, TimeProvider time, RetentionArchive? archive = null)
{
    /// <summary>Creates a run of <paramref name="ruleName"/> for each store it covers: waiting for approval when the rule says so, else approved.</summary>
    public async Task<IReadOnlyList<Guid>> ScheduleAsync(string ruleName, AuditActor actor, CancellationToken ct)
    {
        // The schedule, the command line and privacy officers or admins start runs; auditors read them.
        if (actor.Type == AuditActorType.User && !actor.Roles.Contains(Security.Roles.PrivacyOfficer) && !actor.Roles.Contains(Security.Roles.Admin))
        {
            await audit.AppendAsync(new AuditRecord(actor, "retention.schedule", AuditOutcome.Denied, "retention-rule", ruleName, null,
                new Dictionary<string, object?> { ["reason"] = "role" }), ct);
            throw Validation.ValidationException.For("retention", "rule", "Only a privacy officer or an admin starts a retention run.");
        }

        var (rule, _) = RuleInForce(ruleName);
        var now = time.GetUtcNow();
        var ids = new List<Guid>();
        IReadOnlyList<RetentionPreviewResult> preview = rule.NeedsApproval
            ? await new RetentionPreview(catalog, stores, holds, time, governance).RunAsync(rule.Name, ct)
            : [];
        // The console's own records are one "store" of their own; a chat store's rule runs in each store it covers.
        var places = rule.Map == ConsoleRecords.Map
            ? [(Name: ConsoleRecords.Map, Region: ConsoleRecords.Map)]
            : stores.All.Where(s => catalog.Map(rule.Map)!.Stores.Contains(s.Name) && rule.Covers(s.Name, s.Region)).OrderBy(s => s.Name, StringComparer.Ordinal)
                .Select(s => (s.Name, s.Region)).ToList();
        await using var connection = await governance.OpenAsync(ct);
        foreach (var store in places)
        {
            var id = Guid.CreateVersion7();
            var p = preview.FirstOrDefault(x => x.Store == store.Name);
            await connection.ExecuteAsync(new CommandDefinition("""
                insert into gov.retention_runs (id, rule, store, region, collection, action, state, cutoff, created_by, preview)
                values (@id, @rule, @store, @region, @collection, @action, @state, @cutoff, @by, @preview::jsonb)
                """, new
            {
                id,
                rule = rule.Name,
                store = store.Name,
                region = store.Region,
                collection = rule.Collection,
                action = RetentionRule.ActionCode(rule.Action),
                state = rule.NeedsApproval ? "awaiting-approval" : "approved",
                cutoff = rule.Age.CutoffFrom(now).UtcDateTime,
                by = actor.Id,
                preview = p is null ? null : JsonSerializer.Serialize(new { due = p.Due, held = p.Held, removed = p.Removed, goWith = p.GoWithThem, sample = p.Sample.Select(x => new { key = x.Key, at = x.At }), problem = p.Problem }),
            }, cancellationToken: ct));
            ids.Add(id);
        }

        return ids;
    }

    /// <summary>A privacy officer approves or rejects a run waiting for approval, with a reason; audited. Nothing changes otherwise.</summary>
    public async Task DecideAsync(Guid runId, bool approve, string reason, AuditActor actor, CancellationToken ct)
    {
        if (!actor.Roles.Contains(Security.Roles.PrivacyOfficer))
        {
            throw Validation.ValidationException.For("retention", "run", "Only a privacy officer approves or rejects a retention run.");
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
        {
            throw Validation.ValidationException.For("retention", "reason", "Give the reason for the decision (up to 2,000 characters).");
        }

        await using var connection = await governance.OpenAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            update gov.retention_runs set state = @state, decided_by = @by, decided_at = now(), decision_reason = @reason
            where id = @runId and state = 'awaiting-approval'
            """, new { runId, state = approve ? "approved" : "rejected", by = actor.Id, reason = reason.Trim() }, cancellationToken: ct));
        if (changed == 0)
        {
            throw Validation.ValidationException.For("retention", "run", "This run is not waiting for approval (decided already, or no such run).");
        }

        var run = (await RunsAsync("id = @runId", new { runId }, ct)).Single();
        await audit.AppendAsync(new AuditRecord(actor, approve ? "retention.approve" : "retention.reject", AuditOutcome.Success, "retention-run", runId.ToString("D"), null,
            new Dictionary<string, object?> { ["rule"] = run.Rule, ["store"] = run.Store }), ct);
    }

    /// <summary>
    /// Runs (or resumes) an approved run to its end. Returns null when another process runs it now; refuses a run that
    /// waits for approval or was rejected (nothing deleted).
    /// </summary>
    public async Task<RetentionRun?> RunAsync(Guid runId, AuditActor actor, CancellationToken ct)
    {
        var run = (await RunsAsync("id = @runId", new { runId }, ct)).SingleOrDefault() ?? throw new KeyNotFoundException("No such retention run.");
        if (run.State is "awaiting-approval" or "rejected")
        {
            throw Validation.ValidationException.For("retention", "run", run.State == "rejected"
                ? "This run was rejected: nothing is deleted."
                : "This run waits for a privacy officer's approval: nothing is deleted before it.");
        }

        if (run.State is "done" or "failed")
        {
            return run;
        }

        // One process per rule and store: a session lock on its own connection, gone with the process if it dies.
        await using var lockConnection = await governance.OpenAsync(ct);
        var locked = await lockConnection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select pg_try_advisory_lock(hashtextextended('gov.retention:' || @rule || ':' || @store, 0))", new { rule = run.Rule, store = run.Store }, cancellationToken: ct));
        if (!locked)
        {
            return null;
        }

        try
        {
            // Another worker may have finished it while this one waited to start.
            var current = (await RunsAsync("id = @runId", new { runId }, ct)).Single();
            if (current.State is "done" or "failed")
            {
                return current;
            }

            run = current;
            var clock = Stopwatch.StartNew();
            string? problem = null;
            try
            {
                await using (var g = await governance.OpenAsync(ct))
                {
                    await g.ExecuteAsync(new CommandDefinition(
                        "update gov.retention_runs set state = 'running', started_at = coalesce(started_at, now()) where id = @runId", new { runId }, cancellationToken: ct));
                }

                await PurgeAsync(run, ct);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or Validation.ValidationException)
            {
                problem = ex switch
                {
                    PostgresException pg => $"database error {pg.SqlState}",
                    NpgsqlException => "store unreachable",
                    Validation.ValidationException v => v.Messages(),
                    _ => ex.Message,
                };
            }

            await using (var g = await governance.OpenAsync(CancellationToken.None))
            {
                await g.ExecuteAsync(new CommandDefinition("""
                    update gov.retention_runs set state = @state, finished_at = now(), problem = @problem,
                        duration_ms = coalesce(duration_ms, 0) + @ms
                    where id = @runId
                    """, new { runId, state = problem is null ? "done" : "failed", problem, ms = (long)clock.Elapsed.TotalMilliseconds }, cancellationToken: CancellationToken.None));
            }

            var finished = (await RunsAsync("id = @runId", new { runId }, CancellationToken.None)).Single();
            await audit.AppendAsync(new AuditRecord(actor, "retention.purge", problem is null ? AuditOutcome.Success : AuditOutcome.Failure, "retention-run", runId.ToString("D"), null,
                new Dictionary<string, object?>
                {
                    ["rule"] = finished.Rule,
                    ["store"] = finished.Store,
                    ["removed"] = finished.RowsRemoved,
                    ["held"] = finished.RowsHeld,
                    ["kept_for_dependants"] = finished.RowsKeptForDependants,
                    ["files_removed"] = finished.FilesRemoved,
                    ["batches"] = finished.Batches,
                }), CancellationToken.None);
            return finished;
        }
        finally
        {
            await lockConnection.ExecuteAsync(new CommandDefinition("select pg_advisory_unlock(hashtextextended('gov.retention:' || @rule || ':' || @store, 0))",
                new { rule = run.Rule, store = run.Store }, cancellationToken: CancellationToken.None));
        }
    }

    private (RetentionRule Rule, RetentionPolicy Policy) RuleInForce(string name)
    {
        var policy = catalog.Load(stores.All.Select(s => s.Region).Distinct(StringComparer.Ordinal).ToList());
        if (!policy.Valid)
        {
            throw Validation.ValidationException.For("retention", "policies", $"The retention rules do not validate ({policy.Problems.Count} problems, the first: {policy.Problems[0]}); nothing runs on them.");
        }

        return (policy.Find(name) ?? throw Validation.ValidationException.For("retention", "rule", $"No retention rule is named '{name}'."), policy);
    }

    private async Task PurgeAsync(RetentionRun run, CancellationToken ct)
    {
        var (rule, policy) = RuleInForce(run.Rule);
        if (rule.Map == ConsoleRecords.Map)
        {
            await PurgeConsoleAsync(run, rule, ct);
            return;
        }

        if (rule.Action == RetentionAction.ArchiveThenDelete && archive is null)
        {
            throw Validation.ValidationException.For("retention", "action", $"Rule '{rule.Name}' archives before it deletes, and this process has no archive set up; nothing was changed.");
        }

        var map = catalog.Map(rule.Map)!;
        var store = stores.Get(run.Store);
        var collection = map.Find(rule.Collection)!;
        var active = (await holds.ListAsync(includeReleased: false, ct)).Where(h => h.Active).ToList();
        await FinishPendingAsync(run, store, collection, rule.Action == RetentionAction.Anonymise, ct);

        string? datedType;
        await using (var probe = await store.DataSource.OpenConnectionAsync(ct))
        {
            datedType = await RetentionPreview.DatedTypeAsync(probe, null, collection, ct);
        }

        var scope = RetentionScope.For(rule, map, store.Name, store.Region, policy.Rules, active, run.Cutoff, datedType);
        if (rule.Action == RetentionAction.Anonymise)
        {
            await AnonymiseAsync(run, map, store, collection, scope, ct);
            return;
        }

        var plan = new DataMapPlanner(map, store.Name).Purge(collection.Name);
        var rootStep = plan.Steps.First(s => s.Role == StepRole.Keys && s.Collection == collection.Name);
        var dependantHolds = await DependantHoldsAsync(map, collection, store, active, ct);
        await CountHeldAsync(run.Id, store, scope, ct);

        var batchSize = Math.Clamp(options.BatchSize, options.MinBatchSize, options.MaxBatchSize);
        object? after = run.LastKey;
        var seq = run.Batches;
        var firstCosts = new List<double>();
        double paused = 0;
        while (!ct.IsCancellationRequested)
        {
            var batchClock = Stopwatch.StartNew();
            var (done, lastKey, rows) = await BatchAsync(run, store, plan, rootStep, scope, dependantHolds, after, batchSize, ++seq,
                rule.Action == RetentionAction.ArchiveThenDelete, ct);
            if (done)
            {
                break;
            }

            after = lastKey;
            var took = batchClock.Elapsed.TotalMilliseconds;
            batchSize = took > 2 * options.TargetBatchMs ? Math.Max(options.MinBatchSize, batchSize / 2)
                : took < options.TargetBatchMs / 2.0 ? Math.Min(options.MaxBatchSize, batchSize * 3 / 2)
                : batchSize;

            // Pacing: the cost of a row against the median cost of the run's first ten batches tells how much busier the
            // store has become (its own writers, vacuum, I/O); the pause grows with the square of that pressure (capped
            // at 3, so at most nine times PauseFactor) and is never shorter than MinPauseMs.
            var perRow = took / Math.Max(1, rows);
            if (firstCosts.Count < 10)
            {
                firstCosts.Add(perRow);
            }

            var usual = firstCosts.Order().ElementAt(firstCosts.Count / 2);
            var pressure = Math.Clamp(perRow / usual, 1, 3);
            var factor = options.PauseFactor * pressure * pressure;
            var pause = Math.Max(options.MinPauseMs, took * factor);
            paused += pause;
            await Task.Delay(TimeSpan.FromMilliseconds(pause), time, ct);
        }

        await using (var g = await governance.OpenAsync(ct))
        {
            await g.ExecuteAsync(new CommandDefinition("update gov.retention_runs set paused_ms = paused_ms + @paused where id = @runId",
                new { runId = run.Id, paused = (long)paused }, cancellationToken: ct));
        }

        ct.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// An anonymise rule: the governed rows not anonymised yet and not held, in committed batches along the key, each
    /// recorded before its store commits (so a killed run resumes and counts exactly), paced like a purge.
    /// </summary>
    private async Task AnonymiseAsync(RetentionRun run, DataMapDocument map, ChatStore store, Collection collection, RetentionScope scope, CancellationToken ct)
    {
        // The key is needed only where a field becomes a pseudonym (a missing one fails the run with the setting's name).
        var pseudonyms = collection.Fields.Any(f => f.Erasure == FieldErasure.Pseudonymise) ? Pseudonyms.FromSetting(catalog.PseudonymKey) : Pseudonyms.Placeholder;
        await CountHeldAsync(run.Id, store, scope, ct);
        object? after = run.LastKey;
        var seq = run.Batches;
        var batchSize = Math.Clamp(options.BatchSize, options.MinBatchSize, options.MaxBatchSize);
        while (!ct.IsCancellationRequested)
        {
            seq++;
            var clock = Stopwatch.StartNew();
            var (done, lastKey) = await AnonymiseBatchAsync(run, map, store, collection, scope, pseudonyms, after, batchSize, seq, ct);
            if (done)
            {
                break;
            }

            after = lastKey;
            var pause = Math.Max(options.MinPauseMs, clock.Elapsed.TotalMilliseconds * options.PauseFactor);
            await Task.Delay(TimeSpan.FromMilliseconds(pause), time, ct);
        }

        ct.ThrowIfCancellationRequested();
    }

    /// <summary>One anonymise batch in one store transaction (recorded before it commits); a lock timeout gives way and is tried again, as a purge's batch is.</summary>
    private async Task<(bool Done, object? LastKey)> AnonymiseBatchAsync(RetentionRun run, DataMapDocument map, ChatStore store, Collection collection, RetentionScope scope,
        Pseudonyms pseudonyms, object? after, int batchSize, int seq, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await store.DataSource.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            try
            {
                await LimitAsync(connection, tx, ct);

                var roots = await RootsAsync(connection, tx, scope, after, batchSize, forUpdate: true, ct);

                if (roots.Length == 0)
                {
                    await tx.RollbackAsync(ct);
                    return (true, after);
                }

                var changed = await RetentionAnonymise.BatchAsync(connection, tx, map, collection, roots, pseudonyms, ct);
                await RecordBatchAsync(run.Id, seq, roots, [], new Dictionary<(string, string), long> { [(collection.Name, "anonymise")] = changed }, 0, ct);
                await tx.CommitAsync(ct);
                var lastKey = roots.GetValue(roots.Length - 1);
                await CommittedAsync(run.Id, store, seq, Convert.ToString(lastKey, CultureInfo.InvariantCulture), run.Collection, ct);
                return (false, lastKey);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable && attempt < options.LockAttempts)
            {
                await tx.RollbackAsync(ct);
                await AbandonAsync(run.Id, seq, ct);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time, ct);
            }
        }
    }

    /// <summary>The console's own records: batches in the governance database, counted per kind of record; requests of held custodians kept.</summary>
    private async Task PurgeConsoleAsync(RetentionRun run, RetentionRule rule, CancellationToken ct)
    {
        var active = (await holds.ListAsync(includeReleased: false, ct)).Where(h => h.Active).ToList();
        var (_, held) = await ConsoleRecords.CountAsync(governance, rule.Collection, run.Cutoff, active, ct);
        var batches = run.Batches;
        while (true)
        {
            var (changed, rows) = await ConsoleRecords.BatchAsync(governance, rule.Collection, run.Cutoff, active, Math.Clamp(options.BatchSize, 1, 10_000), ct);
            if (changed == 0)
            {
                break;
            }

            batches++;
            await using var g = await governance.OpenAsync(ct);
            foreach (var (collection, count) in rows)
            {
                await g.ExecuteAsync(new CommandDefinition("""
                    insert into gov.retention_run_collections (run_id, collection, action, rows) values (@runId, @collection, @action, @count)
                    on conflict (run_id, collection, action) do update set rows = gov.retention_run_collections.rows + excluded.rows
                    """, new { runId = run.Id, collection, action = "delete", count }, cancellationToken: ct));
            }

            await g.ExecuteAsync(new CommandDefinition(
                "update gov.retention_runs set batches = @batches, rows_removed = rows_removed + @changed, rows_held = @held where id = @runId",
                new { runId = run.Id, batches, changed, held }, cancellationToken: ct));
        }
    }

    /// <summary>One batch: the root keys, those kept for a held dependant set aside, recorded, then changed in one store transaction; its files removed after.</summary>
    private async Task<(bool Done, object? LastKey, int Rows)> BatchAsync(RetentionRun run, ChatStore store, Plan plan, PlanStep rootStep, RetentionScope scope,
        IReadOnlyList<(string Sql, NpgsqlParameter[] Parameters)> dependantHolds, object? after, int batchSize, int seq, bool archiving, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await store.DataSource.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            try
            {
                await LimitAsync(connection, tx, ct);

                var session = new PlanSession(plan, connection, tx);
                await session.SetupAsync(ct);
                session.Bound[DataMapPlanner.BatchInput] = batchSize;
                session.Bound[DataMapPlanner.CutoffInput] = run.Cutoff;

                var roots = await RootsAsync(connection, tx, scope, after, batchSize, forUpdate: false, ct);

                if (roots.Length == 0)
                {
                    await tx.RollbackAsync(ct);
                    return (true, after, 0);
                }

                var lastKey = roots.GetValue(roots.Length - 1);
                var kept = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (sql, parameters) in dependantHolds)
                {
                    await using var check = new NpgsqlCommand(sql, connection, tx);
                    check.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
                    check.Parameters.Add(new NpgsqlParameter("roots", roots));
                    await using var reader = await check.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        kept.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
                    }
                }

                var go = kept.Count == 0 ? roots : Filter(roots, kept);
                session.Yield(rootStep.Produces!, go, strict: false);

                // Every read of the plan (dependants' keys, files) first, then the changes, deepest first.
                var files = new List<(string Path, string? Region)>();
                var changed = new Dictionary<(string Collection, string Action), long>();
                var archived = new List<(string Collection, string Row)>();
                foreach (var step in plan.Steps.Where(s => s != rootStep))
                {
                    switch (step.Action)
                    {
                        case PlanAction.Select or PlanAction.Files:
                        {
                            await using var command = session.Command(step, step.Sql);
                            var (keys, rows) = await PlanSession.ReadAsync(command, ct);
                            if (step.Produces is not null)
                            {
                                session.Yield(step.Produces, keys, strict: false);
                            }

                            if (step.Action == PlanAction.Files)
                            {
                                files.AddRange(rows.Select(r => (Convert.ToString(r[0], CultureInfo.InvariantCulture)!, r.Length > 1 ? r[1] as string : null)));
                            }

                            break;
                        }

                        case PlanAction.Update or PlanAction.Delete:
                        {
                            long n, total = 0;
                            var batched = step.Needs.Contains(DataMapPlanner.BatchInput);
                            do
                            {
                                if (archiving && step.Action == PlanAction.Delete && step.Target is { } target)
                                {
                                    // The rows exactly as the delete removes them, for the archive written before the commit.
                                    await using var command = session.Command(step, $"{step.Sql} returning to_jsonb({RowReference(target.Table)})::text");
                                    n = 0;
                                    await using var reader = await command.ExecuteReaderAsync(ct);
                                    while (await reader.ReadAsync(ct))
                                    {
                                        archived.Add((step.Collection, reader.GetString(0)));
                                        n++;
                                    }
                                }
                                else
                                {
                                    await using var command = session.Command(step, step.Sql);
                                    n = await command.ExecuteNonQueryAsync(ct);
                                }

                                total += n;
                            }
                            while (batched && n >= batchSize);

                            var key = (step.Collection, step.Action == PlanAction.Delete ? "delete" : "unlink");
                            changed[key] = changed.GetValueOrDefault(key) + total;
                            break;
                        }

                        default:
                            throw new InvalidOperationException($"Step {step.Order} of the purge plan ({step.Action}) is not one a purge runs.");
                    }
                }

                if (archiving)
                {
                    await archive!.WriteAsync(run.Id, seq, store.Name, store.Region, archived, ct);
                }

                await RecordBatchAsync(run.Id, seq, go, files, changed, kept.Count, ct);
                await tx.CommitAsync(ct);
                await CommittedAsync(run.Id, store, seq, Convert.ToString(lastKey, CultureInfo.InvariantCulture), run.Collection, ct);
                return (false, lastKey, roots.Length);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable && attempt < options.LockAttempts)
            {
                await tx.RollbackAsync(ct);
                await AbandonAsync(run.Id, seq, ct);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time, ct);
            }
        }
    }

    private static Array Filter(Array roots, HashSet<string> kept)
    {
        var list = new List<object>();
        foreach (var k in roots)
        {
            if (!kept.Contains(Convert.ToString(k, CultureInfo.InvariantCulture)!))
            {
                list.Add(k);
            }
        }

        var go = Array.CreateInstance(roots.GetType().GetElementType()!, list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            go.SetValue(list[i], i);
        }

        return go;
    }

    /// <summary>The batch's root keys and files, recorded before the store commits (pending).</summary>
    private async Task RecordBatchAsync(Guid runId, int seq, Array roots, IReadOnlyList<(string Path, string? Region)> files,
        IReadOnlyDictionary<(string Collection, string Action), long> changed, int kept, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        await using var tx = await g.BeginTransactionAsync(ct);
        await g.ExecuteAsync(new CommandDefinition("""
            insert into gov.retention_batches (run_id, seq, root_keys, counts, kept, state) values (@runId, @seq, @keys::jsonb, @counts::jsonb, @kept, 'pending')
            on conflict (run_id, seq) do update set root_keys = excluded.root_keys, counts = excluded.counts, kept = excluded.kept, state = 'pending'
            """, new
        {
            runId,
            seq,
            keys = JsonSerializer.Serialize(roots.Cast<object>().Select(k => Convert.ToString(k, CultureInfo.InvariantCulture))),
            counts = JsonSerializer.Serialize(changed.Select(c => new { collection = c.Key.Collection, action = c.Key.Action, rows = c.Value })),
            kept,
        }, tx, cancellationToken: ct));
        foreach (var (path, region) in files.DistinctBy(f => f.Path))
        {
            await g.ExecuteAsync(new CommandDefinition("""
                insert into gov.retention_files (run_id, seq, path, region, outcome) values (@runId, @seq, @path, @region, 'pending')
                on conflict (run_id, seq, path) do update set outcome = 'pending'
                """, new { runId, seq, path, region }, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>The batch's lock and statement timeouts, for its transaction only.</summary>
    private async Task LimitAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var limits = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture,
            $"set local lock_timeout = {options.LockTimeoutMs}; set local statement_timeout = {options.StatementTimeoutMs}"), connection, tx);
        await limits.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The next batch's root keys along the key's index, past the checkpoint: governed, not held.</summary>
    private static async Task<Array> RootsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RetentionScope scope, object? after, int batchSize, bool forUpdate, CancellationToken ct)
    {
        await using var select = new NpgsqlCommand(
            $"select {scope.Key} from {scope.Table} t where {scope.Governed} and not {scope.Held}{(after is null ? "" : $" and {scope.Key} > @after")} order by {scope.Key} limit {batchSize}{(forUpdate ? " for update" : "")}",
            connection, tx);
        select.Parameters.AddRange(scope.NewParameters());
        if (after is not null)
        {
            select.Parameters.Add(PlanSession.Parameter("after", after));
        }

        return (await PlanSession.ReadAsync(select, ct)).Keys;
    }

    /// <summary>The name a statement uses for a row of <paramref name="table"/> (a quoted, possibly schema-qualified name): its last part.</summary>
    private static string RowReference(string table)
    {
        var dot = table.LastIndexOf("\".\"", StringComparison.Ordinal);
        return dot < 0 ? table : table[(dot + 2)..];
    }

    private async Task AbandonAsync(Guid runId, int seq, CancellationToken ct)
    {
        if (archive is not null)
        {
            await archive.AbandonAsync(runId, seq, ct);
        }

        await using var g = await governance.OpenAsync(ct);
        await g.ExecuteAsync(new CommandDefinition("""
            update gov.retention_batches set state = 'abandoned' where run_id = @runId and seq = @seq and state = 'pending';
            update gov.retention_files set outcome = 'abandoned' where run_id = @runId and seq = @seq and outcome = 'pending';
            """, new { runId, seq }, cancellationToken: ct));
    }

    /// <summary>After the store committed: the batch's counts (recorded before the commit) and the checkpoint, then its files removed.</summary>
    private async Task CommittedAsync(Guid runId, ChatStore store, int seq, string? lastKey, string collection, CancellationToken ct)
    {
        await using (var g = await governance.OpenAsync(ct))
        await using (var tx = await g.BeginTransactionAsync(ct))
        {
            var counted = await g.ExecuteAsync(new CommandDefinition("""
                update gov.retention_batches set state = 'committed' where run_id = @runId and seq = @seq and state = 'pending'
                """, new { runId, seq }, tx, cancellationToken: ct));
            if (counted == 1)
            {
                await g.ExecuteAsync(new CommandDefinition("""
                    insert into gov.retention_run_collections (run_id, collection, action, rows)
                    select @runId, c->>'collection', c->>'action', (c->>'rows')::bigint
                    from gov.retention_batches b, jsonb_array_elements(b.counts) c where b.run_id = @runId and b.seq = @seq
                    on conflict (run_id, collection, action) do update set rows = gov.retention_run_collections.rows + excluded.rows;
                    update gov.retention_runs r set batches = greatest(r.batches, @seq), last_key = @lastKey,
                        rows_kept_for_dependants = r.rows_kept_for_dependants + (select kept from gov.retention_batches where run_id = @runId and seq = @seq),
                        rows_removed = coalesce((select sum(rows) from gov.retention_run_collections where run_id = @runId and collection = @collection and action in ('delete', 'anonymise')), 0)
                    where r.id = @runId;
                    """, new { runId, seq, lastKey, collection }, tx, cancellationToken: ct));
            }

            await tx.CommitAsync(ct);
        }

        await RemoveFilesAsync(runId, store, seq, ct);
    }

    private async Task RemoveFilesAsync(Guid runId, ChatStore store, int seq, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var pending = await g.QueryAsync<string>(new CommandDefinition(
            "select path from gov.retention_files where run_id = @runId and seq = @seq and outcome = 'pending'", new { runId, seq }, cancellationToken: ct));
        var root = Path.GetFullPath(store.BlobRoot);
        foreach (var path in pending)
        {
            var full = Path.GetFullPath(Path.Combine(root, path.TrimStart('/')));
            if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("A purged row names a file outside the store's blob folder; it was not removed.");
            }

            var outcome = File.Exists(full) ? "removed" : "already-gone";
            if (outcome == "removed")
            {
                File.Delete(full);
            }

            await g.ExecuteAsync(new CommandDefinition(
                "update gov.retention_files set outcome = @outcome where run_id = @runId and seq = @seq and path = @path", new { runId, seq, path, outcome }, cancellationToken: ct));
        }

        await g.ExecuteAsync(new CommandDefinition("""
            update gov.retention_runs set files_removed = (select count(*) from gov.retention_files where run_id = @runId and outcome = 'removed'),
                files_missing = (select count(*) from gov.retention_files where run_id = @runId and outcome = 'already-gone')
            where id = @runId
            """, new { runId }, cancellationToken: ct));
    }

    /// <summary>
    /// A run stopped between recording a batch and finishing it: the batch committed when none of its root rows is left
    /// (then its files go and it counts), else it did not (its records are set aside).
    /// </summary>
    /// <param name="anonymised">An anonymise run: the batch committed when none of its rows is still waiting to be anonymised.</param>
    private async Task FinishPendingAsync(RetentionRun run, ChatStore store, Collection collection, bool anonymised, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var pending = (await g.QueryAsync<(int Seq, string Keys)>(new CommandDefinition(
            "select seq, root_keys::text from gov.retention_batches where run_id = @runId and state = 'pending' order by seq", new { runId = run.Id }, cancellationToken: ct))).ToList();
        foreach (var (seq, keys) in pending)
        {
            var list = JsonSerializer.Deserialize<string[]>(keys)!;
            long left;
            await using (var s = await store.DataSource.OpenConnectionAsync(ct))
            {
                var (schema, table) = collection.QualifiedTable;
                var parameters = new DynamicParameters(new { keys = list });
                var waiting = anonymised ? " and " + RetentionAnonymise.PendingSql(collection, value =>
                {
                    var name = $"p{parameters.ParameterNames.Count()}";
                    parameters.Add(name, value);
                    return "@" + name;
                }) : "";
                left = await s.ExecuteScalarAsync<long>(new CommandDefinition(
                    $"select count(*) from {DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)} t where t.{DataMapPlanner.Q(collection.Key[0])}::text = any(@keys){waiting}",
                    parameters, cancellationToken: ct));
            }

            if (left == 0 && list.Length > 0)
            {
                await CommittedAsync(run.Id, store, seq, list[^1], run.Collection, ct);
            }
            else
            {
                await AbandonAsync(run.Id, seq, ct);
            }
        }
    }

    /// <summary>For each direct dependant that a hold can reach: which of a batch's roots have a held dependant (those roots stay).</summary>
    private static async Task<IReadOnlyList<(string Sql, NpgsqlParameter[] Parameters)>> DependantHoldsAsync(DataMapDocument map, Collection root, ChatStore store,
        IReadOnlyList<LegalHold> active, CancellationToken ct)
    {
        var checks = new List<(string, NpgsqlParameter[])>();
        if (active.Count == 0)
        {
            return checks;
        }

        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        foreach (var dependant in map.Collections.Where(c => c.Name != root.Name && c.RowErasure == RowErasure.Delete))
        {
            foreach (var link in dependant.References.Where(r => r.To == root.Name && r.Relation == Relation.Link && r.IsDirect))
            {
                var held = RetentionScope.HeldOnly(map, dependant, store.Name, active, dependant.DatedBy is null ? null : await RetentionPreview.DatedTypeAsync(connection, null, dependant, ct));
                if (held.Held == "false")
                {
                    continue;
                }

                var column = $"t.{DataMapPlanner.Q(link.Columns[0])}";
                checks.Add(($"select distinct {column} from {held.Table} t where {column} = any(@roots) and {held.Held}", held.NewParameters()));
            }
        }

        return checks;
    }

    /// <summary>Rows the rule governs that a hold keeps, counted once when the run starts.</summary>
    private async Task CountHeldAsync(Guid runId, ChatStore store, RetentionScope scope, CancellationToken ct)
    {
        long held = 0;
        if (scope.Held != "false")
        {
            await using var s = await store.DataSource.OpenConnectionAsync(ct);
            await using var count = new NpgsqlCommand($"select count(*) from {scope.Table} t where {scope.Governed} and {scope.Held}", s) { CommandTimeout = 0 };
            count.Parameters.AddRange(scope.NewParameters());
            held = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        await using var g = await governance.OpenAsync(ct);
        await g.ExecuteAsync(new CommandDefinition("update gov.retention_runs set rows_held = @held where id = @runId", new { runId, held }, cancellationToken: ct));
    }

    /// <summary>Runs, newest first, with what each changed per collection.</summary>
    public async Task<IReadOnlyList<RetentionRun>> RunsAsync(string where, object parameters, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var rows = (await g.QueryAsync(new CommandDefinition($"""
            select id, rule, store, region, collection, action, state, cutoff, created_at, created_by, decided_by, decided_at, decision_reason,
                   started_at, finished_at, batches, rows_removed, rows_held, rows_kept_for_dependants, files_removed, files_missing, duration_ms, problem, preview::text as preview, last_key
            from gov.retention_runs where {where} order by created_at desc limit 500
            """, parameters, cancellationToken: ct))).ToList();
        var ids = rows.Select(r => (Guid)r.id).ToArray();
        var collections = (await g.QueryAsync<(Guid Run, string Collection, string Action, long Rows)>(new CommandDefinition(
            "select run_id, collection, action, rows from gov.retention_run_collections where run_id = any(@ids)", new { ids }, cancellationToken: ct))).ToList();
        return rows.Select(r => new RetentionRun(
            (Guid)r.id, (string)r.rule, (string)r.store, (string)r.region, (string)r.collection, (string)r.action, (string)r.state, DbTime.Utc((DateTime)r.cutoff),
            DbTime.Utc((DateTime)r.created_at), (string)r.created_by, (string?)r.decided_by, r.decided_at is DateTime d ? DbTime.Utc(d) : null, (string?)r.decision_reason,
            r.started_at is DateTime s ? DbTime.Utc(s) : null, r.finished_at is DateTime f ? DbTime.Utc(f) : null, (int)r.batches, (long)r.rows_removed, (long)r.rows_held,
            (long)r.rows_kept_for_dependants, (long)r.files_removed, (long)r.files_missing, (long?)r.duration_ms, (string?)r.problem, (string?)r.preview)
        {
            LastKey = (string?)r.last_key,
            Collections = collections.Where(c => c.Run == (Guid)r.id).ToDictionary(c => c.Action == "delete" ? c.Collection : $"{c.Collection} (unlinked)", c => c.Rows),
        }).ToList();
    }
}
