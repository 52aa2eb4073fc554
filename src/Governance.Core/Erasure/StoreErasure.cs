using System.Globalization;
using System.Text.Json;
using Dapper;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Holds;
using Npgsql;

namespace Governance.Core.Erasure;

/// <summary>How erasure batches its changes on a live chat store.</summary>
public sealed class ErasureOptions
{
    public const string Section = "Erasure";

    /// <summary>Rows changed per committed batch.</summary>
    public int BatchSize { get; set; } = 2_000;

    /// <summary>How long a batch waits for a row lock held by the live chat system before it backs off and tries again.</summary>
    public int LockTimeoutMs { get; set; } = 2_000;

    /// <summary>The longest one batch statement may run.</summary>
    public int StatementTimeoutMs { get; set; } = 60_000;

    /// <summary>Attempts of a batch that meets a lock timeout before the run stops (resumable).</summary>
    public int LockAttempts { get; set; } = 5;
}

/// <summary>What one store's erasure run did, from its record in the governance database.</summary>
public sealed record StoreErasureResult(Guid RunId, string Store, string State, bool Found, bool? Verified, string? Problem, IReadOnlyList<ErasureStepResult> Steps)
{
    public long Changed => Steps.Sum(s => s.Changed);

    public long Held => Steps.Sum(s => s.Held);
}

/// <summary>A run that re-applies a ledger entry on a restored store: the replay it belongs to and the person's key, found by its keyed hash.</summary>
public sealed record ReplayOf(Guid ReplayId, string SubjectKey);

public sealed record ErasureStepResult(int Step, string Collection, string Action, string Description, long? Planned, long Changed, long Held, long FilesRemoved, long FilesMissing, bool Done);

/// <summary>
/// Executes one store's erasure plan so that it can stop at any moment and resume: every key set is read, in one
/// snapshot, before anything changes and written to the governance database; then each change step lists the keys of
/// the rows it still has to change, writes them as batches, and changes one batch per committed transaction (lock and
/// statement timeouts set for each), skipping rows a legal hold covers. A batch's outcome is counted from the store
/// after it commits (its keys minus the rows still to change), so a batch run twice counts the same. Updates change
/// only rows that still differ from their erased form: a rerun changes nothing.
/// </summary>
public sealed class StoreErasure(GovernanceDatabase governance, LegalHolds holds, ErasureOptions options)
{
    /// <summary>Runs (or resumes) the erasure of <paramref name="plan"/> on <paramref name="store"/> for a request.</summary>
    public async Task<StoreErasureResult> RunAsync(Guid requestId, ChatStore store, DataMapDocument map, Plan plan, IdentityKind kind, CancellationToken ct, ReplayOf? replay = null)
    {
        var run = await OpenRunAsync(requestId, store.Name, map.Name, kind, replay?.ReplayId, ct);
        if (run.State == "done")
        {
            return await ResultAsync(run.Id, ct);
        }

        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        var session = new PlanSession(plan, connection, null);
        await session.SetupAsync(ct);
        if (run.KeySets is null)
        {
            var found = await ReadKeySetsAsync(run.Id, map, plan, session, replay, ct);
            if (!found)
            {
                await FinishAsync(run.Id, found: false, verified: true, ct);
                return await ResultAsync(run.Id, ct);
            }
        }
        else
        {
            foreach (var (name, set) in KeySets.Read(run.KeySets))
            {
                session.Yield(name, set, strict: true);
            }
        }

        var keys = new KeyTypes(connection);
        foreach (var step in plan.Steps.Where(s => s.Order >= run.NextStep))
        {
            switch (step.Action)
            {
                case PlanAction.Files:
                    await RemoveFilesAsync(run.Id, store.Name, store, map, step, session, keys, ct);
                    break;
                case PlanAction.Update or PlanAction.Delete or PlanAction.Rewrite:
                    await ChangeAsync(run.Id, store.Name, map, step, session, keys, ct);
                    break;
            }

            await using var g = await governance.OpenAsync(ct);
            await g.ExecuteAsync(new CommandDefinition("""
                update gov.erasure_steps set done_at = coalesce(done_at, now()) where run_id = @id and step = @step;
                update gov.erasure_runs set next_step = @next where id = @id;
                """, new { id = run.Id, step = step.Order, next = step.Order + 1 }, cancellationToken: ct));
        }

        var verified = await VerifyAsync(run.Id, plan, session, keys, ct);
        await FinishAsync(run.Id, found: true, verified, ct);
        if (verified && replay is null)
        {
            await RecordInLedgerAsync(run.Id, requestId, store.Name, plan, session, ct);
        }

        return await ResultAsync(run.Id, ct);
    }

    /// <summary>Records that the person was searched for in a store and is not there.</summary>
    public async Task RecordNotFoundAsync(Guid requestId, string store, string map, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        await g.ExecuteAsync(new CommandDefinition("""
            insert into gov.erasure_runs (id, request_id, store, map, identity_kind, state, found, started_at, finished_at, verified)
            values (@id, @requestId, @store, @map, '-', 'done', false, now(), now(), true)
            on conflict (request_id, store, coalesce(replay_id, '00000000-0000-0000-0000-000000000000'::uuid)) do nothing
            """, new { id = Guid.CreateVersion7(), requestId, store, map }, cancellationToken: ct));
    }

    /// <summary>Marks a run failed with a reason that names no person (it stays resumable: the next run goes on from its checkpoint).</summary>
    public async Task RecordFailureAsync(Guid requestId, string store, string problem, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        await g.ExecuteAsync(new CommandDefinition(
            "update gov.erasure_runs set state = 'failed', problem = @problem where request_id = @requestId and store = @store and replay_id is null and state <> 'done'",
            new { requestId, store, problem }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<StoreErasureResult>> ResultsAsync(Guid requestId, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var ids = await g.QueryAsync<Guid>(new CommandDefinition("select id from gov.erasure_runs where request_id = @requestId and replay_id is null order by store", new { requestId }, cancellationToken: ct));
        var results = new List<StoreErasureResult>();
        foreach (var id in ids)
        {
            results.Add(await ResultAsync(id, ct));
        }

        return results;
    }

    private sealed record RunRow(Guid Id, string State, string? KeySets, int NextStep);

    private async Task<RunRow> OpenRunAsync(Guid requestId, string store, string map, IdentityKind kind, Guid? replay, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        await g.ExecuteAsync(new CommandDefinition("""
            insert into gov.erasure_runs (id, request_id, store, map, identity_kind, state, started_at, replay_id)
            values (@id, @requestId, @store, @map, @kind, 'running', now(), @replay)
            on conflict (request_id, store, coalesce(replay_id, '00000000-0000-0000-0000-000000000000'::uuid))
            do update set state = case when gov.erasure_runs.state = 'done' then 'done' else 'running' end, problem = null
            """, new { id = Guid.CreateVersion7(), requestId, store, map, kind = NameStyle.Kebab(kind), replay }, cancellationToken: ct));
        return await g.QuerySingleAsync<RunRow>(new CommandDefinition("""
            select id as Id, state as State, key_sets::text as KeySets, next_step as NextStep from gov.erasure_runs
            where request_id = @requestId and store = @store and replay_id is not distinct from @replay
            """, new { requestId, store, replay }, cancellationToken: ct));
    }

    /// <summary>The ledger entry of a finished erasure: the keyed hash of the person's key, when, and what each step did.</summary>
    private async Task RecordInLedgerAsync(Guid runId, Guid requestId, string store, Plan plan, PlanSession session, CancellationToken ct)
    {
        var subject = (Array)session.Bound[DataMapPlanner.SubjectSet]!;
        var key = Convert.ToString(subject.GetValue(0), CultureInfo.InvariantCulture)!;
        var hash = (plan.PseudonymSource ?? throw new InvalidOperationException("An erasure plan needs the pseudonym key.")).LedgerHash(plan.Map, key);
        await using var g = await governance.OpenAsync(ct);
        await g.ExecuteAsync(new CommandDefinition("""
            insert into gov.erasure_ledger (request_id, run_id, store, map, subject_hash, erased_at, steps)
            select @requestId, @runId, @store, @map, @hash, r.finished_at,
                   coalesce((select jsonb_agg(jsonb_build_object('step', s.step, 'collection', s.collection, 'action', s.action, 'changed', s.changed, 'held', s.held) order by s.step)
                             from gov.erasure_steps s where s.run_id = @runId), '[]'::jsonb)
            from gov.erasure_runs r where r.id = @runId
            on conflict (run_id) do nothing
            """, new { requestId, runId, store, map = plan.Map, hash }, cancellationToken: ct));
    }

    /// <summary>Reads every key set of the plan in one snapshot and records them with the steps; false when the person is not in the store.</summary>
    private async Task<bool> ReadKeySetsAsync(Guid runId, DataMapDocument map, Plan plan, PlanSession session, ReplayOf? replay, CancellationToken ct)
    {
        var sets = new Dictionary<string, Array>(StringComparer.Ordinal);
        await using (var tx = await session.Connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct))
        {
            foreach (var step in plan.Steps.Where(s => s.Action == PlanAction.Select && s.Produces is not null))
            {
                // A replay knows the person by their key (found through the ledger's hash), not by an identity.
                var sql = step.Role == StepRole.Find && replay is not null ? ReplayFind(map, session, replay) : step.Sql;
                await using var command = session.Command(step, sql);
                command.Transaction = tx;
                var (keys, _) = await PlanSession.ReadAsync(command, ct);
                session.Yield(step.Produces!, keys, strict: true);
                sets[step.Produces!] = keys;
                if (step.Role == StepRole.Find && keys.Length == 0)
                {
                    await tx.RollbackAsync(ct);
                    await RecordStepsAsync(runId, plan, null, ct);
                    return false;
                }
            }

            await tx.CommitAsync(ct);
        }

        await RecordStepsAsync(runId, plan, KeySets.Write(sets), ct);
        return true;
    }

    private static string ReplayFind(DataMapDocument map, PlanSession session, ReplayOf replay)
    {
        var subject = map.SubjectCollection!;
        var (schema, table) = subject.QualifiedTable;
        session.Bound["replay_subject"] = replay.SubjectKey;
        var key = DataMapPlanner.Q(subject.Key[0]);
        return $"select {key} from {DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)} where {key}::text = @replay_subject";
    }

    private async Task RecordStepsAsync(Guid runId, Plan plan, string? keySets, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        await using var tx = await g.BeginTransactionAsync(ct);
        var changes = plan.Steps.Where(s => s.Action is not PlanAction.Select).ToList();
        await g.ExecuteAsync(new CommandDefinition("""
            insert into gov.erasure_steps (run_id, step, collection, action, description)
            select @runId, s, c, a, d from unnest(@steps, @collections, @actions, @descriptions) x(s, c, a, d)
            on conflict do nothing
            """, new
        {
            runId,
            steps = changes.Select(s => s.Order).ToArray(),
            collections = changes.Select(s => s.Collection).ToArray(),
            actions = changes.Select(s => s.Action.ToString().ToLowerInvariant()).ToArray(),
            descriptions = changes.Select(s => s.Description).ToArray(),
        }, tx, cancellationToken: ct));
        await g.ExecuteAsync(new CommandDefinition("update gov.erasure_runs set key_sets = @keySets::jsonb, found = @found where id = @runId",
            new { runId, keySets, found = keySets is not null }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Lists the files of rows about to go, and removes each from the store's blob folder unless a legal hold covers
    /// its row; every file is recorded (removed, already gone, or held), so a run stopped midway counts each once.
    /// </summary>
    private async Task RemoveFilesAsync(Guid runId, string storeName, ChatStore store, DataMapDocument map, PlanStep step, PlanSession session, KeyTypes types, CancellationToken ct)
    {
        var target = step.Target!;
        var (pathSql, regionSql) = step.FilePath!.Value;
        var rows = new List<(string Path, string? Region, string[] Key)>();
        await using (var command = session.Command(step, $"select {pathSql}, {regionSql ?? "null::text"}, {string.Join(", ", target.Key.Select(k => "t." + DataMapPlanner.Q(k) + "::text"))} from {target.Table} t where {target.Filter}"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = new string[target.Key.Count];
                for (var i = 0; i < key.Length; i++)
                {
                    key[i] = reader.GetString(2 + i);
                }

                rows.Add((Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!, reader.IsDBNull(1) ? null : Convert.ToString(reader.GetValue(1), CultureInfo.InvariantCulture), key));
            }
        }

        var keyTypes = await types.OfAsync(target.Table, target.Key, ct);
        var root = Path.GetFullPath(store.BlobRoot);
        await using var g = await governance.OpenAsync(ct);
        foreach (var chunk in rows.Chunk(Math.Max(1, options.BatchSize)))
        {
            var held = await HeldAsync(storeName, map, step, session, chunk.Select(r => r.Key).ToArray(), keyTypes, types, ct);
            for (var i = 0; i < chunk.Length; i++)
            {
                var (path, region, _) = chunk[i];
                var full = Path.GetFullPath(Path.Combine(root, path.TrimStart('/')));
                if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"Step {step.Order} names a file outside the store's blob folder; nothing was removed for it.");
                }

                var outcome = "held";
                if (!held.ContainsKey(i))
                {
                    outcome = File.Exists(full) ? "removed" : "already-gone";
                    if (outcome == "removed")
                    {
                        File.Delete(full);
                    }
                }

                // Recorded after the removal: a run stopped between the two finds the file gone and records it so.
                await g.ExecuteAsync(new CommandDefinition("""
                    insert into gov.erasure_files (run_id, step, path, region, outcome) values (@runId, @step, @path, @region, @outcome)
                    on conflict (run_id, step, path) do nothing
                    """, new { runId, step = step.Order, path, region, outcome }, cancellationToken: ct));
            }
        }

        await g.ExecuteAsync(new CommandDefinition("""
            update gov.erasure_steps set files_removed = (select count(*) from gov.erasure_files where run_id = @runId and step = @step and outcome = 'removed'),
                files_missing = (select count(*) from gov.erasure_files where run_id = @runId and step = @step and outcome = 'already-gone'),
                held = (select count(*) from gov.erasure_files where run_id = @runId and step = @step and outcome = 'held'),
                planned = (select count(*) from gov.erasure_files where run_id = @runId and step = @step)
            where run_id = @runId and step = @step
            """, new { runId, step = step.Order }, cancellationToken: ct));
    }

    /// <summary>Plans the step's batches once (the keys of the rows it still has to change), then runs every batch not yet done.</summary>
    private async Task ChangeAsync(Guid runId, string store, DataMapDocument map, PlanStep step, PlanSession session, KeyTypes types, CancellationToken ct)
    {
        var target = step.Target ?? throw new InvalidOperationException($"Step {step.Order} has no change target.");
        await using var g = await governance.OpenAsync(ct);
        var planned = await g.ExecuteScalarAsync<long?>(new CommandDefinition(
            "select planned from gov.erasure_steps where run_id = @runId and step = @step", new { runId, step = step.Order }, cancellationToken: ct));
        if (planned is null)
        {
            var pending = await PendingKeysAsync(step, session, null, ct);
            var batches = pending.Chunk(Math.Max(1, options.BatchSize)).Select((keys, i) => (Batch: i + 1, Keys: JsonSerializer.Serialize(keys))).ToList();
            await using var tx = await g.BeginTransactionAsync(ct);
            await g.ExecuteAsync(new CommandDefinition("""
                insert into gov.erasure_batches (run_id, step, batch, keys)
                select @runId, @step, b, k::jsonb from unnest(@batches, @keys) x(b, k)
                on conflict do nothing
                """, new { runId, step = step.Order, batches = batches.Select(b => b.Batch).ToArray(), keys = batches.Select(b => b.Keys).ToArray() }, tx, cancellationToken: ct));
            await g.ExecuteAsync(new CommandDefinition("update gov.erasure_steps set planned = @count where run_id = @runId and step = @step",
                new { runId, step = step.Order, count = (long)pending.Count }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }

        var todo = (await g.QueryAsync<(int Batch, string Keys)>(new CommandDefinition(
            "select batch, keys::text from gov.erasure_batches where run_id = @runId and step = @step and done_at is null order by batch",
            new { runId, step = step.Order }, cancellationToken: ct))).ToList();
        var keyTypes = await types.OfAsync(target.Table, target.Key, ct);
        foreach (var (batch, json) in todo)
        {
            var keys = JsonSerializer.Deserialize<string[][]>(json)!;
            var held = await HeldAsync(store, map, step, session, keys, keyTypes, types, ct);
            var free = keys.Where((_, i) => !held.ContainsKey(i)).ToArray();
            await RunBatchAsync(step, session, free, keyTypes, ct);
            var stillPending = free.Length == 0 ? 0 : (await PendingKeysAsync(step, session, (free, keyTypes), ct)).Count;
            var heldJson = JsonSerializer.Serialize(held.OrderBy(h => h.Key).Select(h => new { key = keys[h.Key], holds = h.Value }));
            await using var tx = await g.BeginTransactionAsync(ct);
            var marked = await g.ExecuteAsync(new CommandDefinition("""
                update gov.erasure_batches set changed = @changed, held = @held::jsonb, done_at = now()
                where run_id = @runId and step = @step and batch = @batch and done_at is null
                """, new { runId, step = step.Order, batch, changed = free.Length - stillPending, held = heldJson }, tx, cancellationToken: ct));
            if (marked == 1)
            {
                await g.ExecuteAsync(new CommandDefinition(
                    "update gov.erasure_steps set changed = changed + @changed, held = held + @held where run_id = @runId and step = @step",
                    new { runId, step = step.Order, changed = (long)(free.Length - stillPending), held = (long)held.Count }, tx, cancellationToken: ct));
            }

            await tx.CommitAsync(ct);
        }
    }

    /// <summary>
    /// The keys (as text, one array per row) of the rows the step still has to change, optionally among the given
    /// keys: for updates the rows that differ from their erased form, for deletes the rows still there, for rewrites
    /// the rows whose edit changes their value.
    /// </summary>
    private static async Task<List<string[]>> PendingKeysAsync(PlanStep step, PlanSession session, (string[][] Keys, IReadOnlyList<string> Types)? among, CancellationToken ct)
    {
        var target = step.Target!;
        var keyText = string.Join(", ", target.Key.Select(k => DataMapPlanner.Q(k) + "::text"));
        var within = among is { } a ? " and " + KeyMatch(session, target, a.Keys, a.Types) : "";
        var result = new List<string[]>();
        if (step.Action == PlanAction.Rewrite)
        {
            var spec = step.Rewrite!;
            var columns = string.Join(", ", spec.Key.Concat([spec.Column]).Concat(spec.Discriminators).Select(DataMapPlanner.Q));
            await using var read = session.Command(step, $"select {columns}, {keyText} from {target.Table} where ({target.Filter}){within}");
            var (_, rows) = await PlanSession.ReadAsync(read, ct);
            var width = spec.Key.Count + 1 + spec.Discriminators.Count;
            var (changed, _) = PlanRunner.Rewritten(spec, rows.Select(r => r[..width]), session.Bound);
            var changedKeys = changed.Select(c => string.Join('\u001f', c.Key.Select(k => Convert.ToString(k, CultureInfo.InvariantCulture)))).ToHashSet(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                if (changedKeys.Contains(string.Join('\u001f', row[..spec.Key.Count].Select(k => Convert.ToString(k, CultureInfo.InvariantCulture)))))
                {
                    result.Add(row[width..].Select(k => (string)k!).ToArray());
                }
            }

            return result;
        }

        await using var command = session.Command(step,
            $"select {keyText} from {target.Table} where ({target.Filter}) and ({target.Pending}){within} order by {string.Join(", ", target.Key.Select(DataMapPlanner.Q))}");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = new string[target.Key.Count];
            for (var i = 0; i < key.Length; i++)
            {
                key[i] = reader.GetString(i);
            }

            result.Add(key);
        }

        return result;
    }

    /// <summary>Changes one batch's rows in one committed transaction, with the lock and statement timeouts; a lock timeout backs off and tries again.</summary>
    private async Task RunBatchAsync(PlanStep step, PlanSession session, string[][] keys, IReadOnlyList<string> types, CancellationToken ct)
    {
        if (keys.Length == 0)
        {
            return;
        }

        var target = step.Target!;
        for (var attempt = 1; ; attempt++)
        {
            await using var tx = await session.Connection.BeginTransactionAsync(ct);
            try
            {
                await using (var timeouts = new NpgsqlCommand(
                    $"set local lock_timeout = {Math.Max(1, options.LockTimeoutMs)}; set local statement_timeout = {Math.Max(1, options.StatementTimeoutMs)}", session.Connection, tx))
                {
                    await timeouts.ExecuteNonQueryAsync(ct);
                }

                var match = KeyMatch(session, target, keys, types);
                if (step.Action == PlanAction.Rewrite)
                {
                    var spec = step.Rewrite!;
                    var columns = string.Join(", ", spec.Key.Concat([spec.Column]).Concat(spec.Discriminators).Select(DataMapPlanner.Q));
                    await using var read = session.Command(step, $"select {columns} from {target.Table} where ({target.Filter}) and {match} for update");
                    read.Transaction = tx;
                    var (_, rows) = await PlanSession.ReadAsync(read, ct);
                    var (changed, _) = PlanRunner.Rewritten(spec, rows, session.Bound);
                    await PlanRunner.WriteBackAsync(session.Connection, tx, spec, changed, ct);
                }
                else
                {
                    await using var change = session.Command(step, step.Action == PlanAction.Delete
                        ? $"delete from {target.Table} where {match} and ({target.Filter})"
                        : $"update {target.Table} set {target.Set} where {match} and ({target.Filter}) and ({target.Pending})");
                    change.Transaction = tx;
                    await change.ExecuteNonQueryAsync(ct);
                }

                await tx.CommitAsync(ct);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable && attempt < options.LockAttempts)
            {
                await tx.RollbackAsync(ct);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
            }
        }
    }

    /// <summary>
    /// Which rows of a batch a legal hold covers, by their position in the batch: each row is described by the
    /// person (a hold on them as custodian), the row's own author or owner when it is someone else (a message of a
    /// held custodian that mentions the person stays whole), its conversation and tenant (read through the map's
    /// hold scopes) and its date, and asked about in one query for the whole batch.
    /// </summary>
    private async Task<Dictionary<int, IReadOnlyList<string>>> HeldAsync(string store, DataMapDocument map, PlanStep step, PlanSession session, string[][] keys, IReadOnlyList<string> keyTypes, KeyTypes types, CancellationToken ct)
    {
        var target = step.Target!;
        var collection = map.Find(step.Collection)!;
        var dated = await DatedSqlAsync(collection, target.Table, types, ct);
        var keyText = string.Join(" || chr(31) || ", target.Key.Select(k => "t." + DataMapPlanner.Q(k) + "::text"));
        var subject = map.SubjectCollection!;
        var ownerColumn = collection.Name == subject.Name ? null
            : collection.References.FirstOrDefault(r => r.To == subject.Name && r.IsDirect && r.Relation is Relation.Owner or Relation.Author or Relation.Participant)?.Columns[0];
        var owner = ownerColumn is null ? "null::text" : $"t.{DataMapPlanner.Q(ownerColumn)}::text";
        await using var command = session.Command(step,
            $"select {keyText}, {ScopeSql(map, collection, map.Holds.Conversation)}, {ScopeSql(map, collection, map.Holds.Tenant)}, {dated}, {owner} from {target.Table} t where {KeyMatch(session, target, keys, keyTypes, "t.")}");
        var described = new Dictionary<string, (string? Conversation, string? Tenant, DateTimeOffset? At, string? Owner)>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                described[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero), reader.IsDBNull(4) ? null : reader.GetString(4));
            }
        }

        var person = session.Bound[DataMapPlanner.SubjectSet] is Array people && people.Length == 1
            ? Convert.ToString(people.GetValue(0), CultureInfo.InvariantCulture) : null;
        // One probe per row for the person, its conversation and tenant; one more where the row is someone else's.
        var probes = new List<(int Row, HoldProbe Probe)>();
        for (var i = 0; i < keys.Length; i++)
        {
            var d = described.GetValueOrDefault(string.Join('\u001f', keys[i]));
            probes.Add((i, new HoldProbe(store, person, d.Conversation, d.Tenant, d.At)));
            if (d.Owner is not null && d.Owner != person)
            {
                probes.Add((i, new HoldProbe(store, d.Owner, null, null, d.At)));
            }
        }

        var held = await holds.HeldAsync(probes.Select(p => p.Probe).ToList(), ct);
        return held.GroupBy(h => probes[h.Key].Row)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.SelectMany(h => h.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Checks, after the run, that no row the plan changes is left unchanged except those a hold keeps: every change
    /// step's rows still to change, against the held keys recorded by its batches.
    /// </summary>
    private async Task<bool> VerifyAsync(Guid runId, Plan plan, PlanSession session, KeyTypes types, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        foreach (var step in plan.Steps.Where(s => s.Target is not null && s.Action != PlanAction.Files))
        {
            var held = (await g.QueryAsync<string>(new CommandDefinition("""
                select h->'key' #>> '{}' from gov.erasure_batches b, jsonb_array_elements(coalesce(b.held, '[]'::jsonb)) h
                where b.run_id = @runId and b.step = @step
                """, new { runId, step = step.Order }, cancellationToken: ct))).Select(k => string.Join('\u001f', JsonSerializer.Deserialize<string[]>(k)!)).ToHashSet(StringComparer.Ordinal);
            var left = (await PendingKeysAsync(step, session, null, ct)).Where(k => !held.Contains(string.Join('\u001f', k))).ToList();
            if (left.Count > 0)
            {
                await g.ExecuteAsync(new CommandDefinition("update gov.erasure_runs set problem = @problem where id = @runId", new
                {
                    runId,
                    problem = $"Verification: {left.Count} row(s) of {step.Collection} (step {step.Order}) still hold what the step erases.",
                }, cancellationToken: ct));
                return false;
            }
        }

        return true;
    }

    private async Task FinishAsync(Guid runId, bool found, bool verified, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        // The key sets go with the run's end: what stays is what was done, counted, not whose rows they were.
        await g.ExecuteAsync(new CommandDefinition("""
            update gov.erasure_runs set state = case when @verified then 'done' else 'failed' end, found = @found, verified = @verified,
                finished_at = now(), key_sets = case when @verified then null else key_sets end
            where id = @runId
            """, new { runId, found, verified }, cancellationToken: ct));
    }

    private async Task<StoreErasureResult> ResultAsync(Guid runId, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var run = await g.QuerySingleAsync<(string Store, string State, bool? Found, bool? Verified, string? Problem)>(new CommandDefinition(
            "select store, state, found, verified, problem from gov.erasure_runs where id = @runId", new { runId }, cancellationToken: ct));
        var steps = await g.QueryAsync<(int Step, string Collection, string Action, string Description, long? Planned, long Changed, long Held, long Removed, long Missing, DateTime? Done)>(new CommandDefinition(
            "select step, collection, action, description, planned, changed, held, files_removed, files_missing, done_at from gov.erasure_steps where run_id = @runId order by step",
            new { runId }, cancellationToken: ct));
        return new StoreErasureResult(runId, run.Store, run.State, run.Found ?? false, run.Verified, run.Problem,
            steps.Select(s => new ErasureStepResult(s.Step, s.Collection, s.Action, s.Description, s.Planned, s.Changed, s.Held, s.Removed, s.Missing, s.Done is not null)).ToList());
    }

    /// <summary>
    /// A row's date as timestamptz for a hold's window: a timestamp or date as it is; a number as Unix time (milliseconds
    /// when it is that large, as chat systems often store them, else seconds); anything else unknown (null), which a
    /// window treats as inside it, so the row is kept rather than lost.
    /// </summary>
    private static async Task<string> DatedSqlAsync(Collection collection, string table, KeyTypes types, CancellationToken ct)
    {
        if (collection.DatedBy is null)
        {
            return "null::timestamptz";
        }

        var column = $"t.{DataMapPlanner.Q(collection.DatedBy)}";
        var type = (await types.OfAsync(table + "|" + collection.DatedBy, table, [collection.DatedBy], ct))[0];
        return type switch
        {
            _ when type.StartsWith("timestamp", StringComparison.Ordinal) || type == "date" => $"{column}::timestamptz",
            "bigint" or "integer" or "smallint" or "numeric" or "double precision" or "real" =>
                $"to_timestamp(case when {column} > 100000000000 then {column} / 1000.0 else {column} end)",
            _ => "null::timestamptz",
        };
    }

    /// <summary>
    /// The SQL (over the row <c>t</c>) of a row's id in a hold scope's collection, as text: its key, a link's value, or
    /// a link followed through the collections between (an attachment's conversation is its message's); null when none.
    /// </summary>
    private static string ScopeSql(DataMapDocument map, Collection c, string? scope)
    {
        if (map.ScopePath(c, scope) is not { } path)
        {
            return "null::text";
        }

        if (path.Count == 0)
        {
            return $"t.{DataMapPlanner.Q(c.Key[0])}::text";
        }

        var sql = $"t.{DataMapPlanner.Q(path[0].Columns[0])}";
        for (var i = 1; i < path.Count; i++)
        {
            var via = map.Find(path[i - 1].To)!;
            var (schema, table) = via.QualifiedTable;
            sql = $"(select s{i}.{DataMapPlanner.Q(path[i].Columns[0])} from {DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)} s{i} where s{i}.{DataMapPlanner.Q(via.Key[0])} = {sql})";
        }

        return sql + "::text";
    }

    /// <summary>"The row's key is one of these", the keys bound as text arrays and cast to the key columns' types.</summary>
    private static string KeyMatch(PlanSession session, ChangeTarget target, string[][] keys, IReadOnlyList<string> types, string alias = "")
    {
        for (var i = 0; i < target.Key.Count; i++)
        {
            session.Bound[$"erase_k{i}"] = keys.Select(k => k[i]).ToArray();
        }

        if (target.Key.Count == 1)
        {
            return $"{alias}{DataMapPlanner.Q(target.Key[0])} = any(@erase_k0::text[]::{types[0]}[])";
        }

        var columns = string.Join(", ", target.Key.Select(k => alias + DataMapPlanner.Q(k)));
        var unnest = string.Join(", ", target.Key.Select((_, i) => $"@erase_k{i}::text[]"));
        var casts = string.Join(", ", types.Select((t, i) => $"x.k{i}::{t}"));
        return $"({columns}) in (select {casts} from unnest({unnest}) x({string.Join(", ", target.Key.Select((_, i) => $"k{i}"))}))";
    }

    /// <summary>The catalog types of a table's key columns, read once per table.</summary>
    private sealed class KeyTypes(NpgsqlConnection connection)
    {
        private readonly Dictionary<string, IReadOnlyList<string>> _known = new(StringComparer.Ordinal);

        public Task<IReadOnlyList<string>> OfAsync(string table, IReadOnlyList<string> columns, CancellationToken ct) => OfAsync(table, table, columns, ct);

        public async Task<IReadOnlyList<string>> OfAsync(string cacheKey, string table, IReadOnlyList<string> columns, CancellationToken ct)
        {
            if (_known.TryGetValue(cacheKey, out var known))
            {
                return known;
            }

            var types = (await connection.QueryAsync<(string Name, string Type)>(new CommandDefinition("""
                select a.attname, format_type(a.atttypid, a.atttypmod)
                from pg_attribute a where a.attrelid = @table::regclass and a.attname = any(@columns) and not a.attisdropped
                """, new { table, columns = columns.ToArray() }, cancellationToken: ct))).ToDictionary(t => t.Name, t => t.Type, StringComparer.Ordinal);
            return _known[cacheKey] = columns.Select(c => types[c]).ToList();
        }
    }
}
