using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Demo;
using Governance.Core.Holds;
using Npgsql;

namespace Governance.Core.Erasure.Benchmark;

/// <summary>
/// <c>./gov bench erase</c>: one person with many messages in group conversations, and their files, in a reference
/// store; an identical copy of it. The erasure engine erases the person in the first (committed batches, holds
/// checked, verified); the plan's own set-based SQL makes the same changes in the copy in one transaction, as a person
/// would by hand. Throughout both, a second connection pool inserts messages into the store being changed, and the
/// insert latency is measured: before either (idle), during the erasure, and during the SQL.
/// </summary>
public static class ErasureBenchmark
{
    private const int Users = 5_000;
    private const int Conversations = 2_000;
    private const long Person = 1;

    public static async Task RunAsync(string adminConnectionString, DataMapDocument map, int storeMessages, int personMessages, int batchSize, int writers, TextWriter output, CancellationToken ct)
    {
        if (personMessages < 1 || storeMessages < personMessages * 2)
        {
            throw new ArgumentException("--messages must be at least twice --person-messages, and --person-messages at least 1.");
        }

        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        string Database(string name) => new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name, Pooling = true, MaxPoolSize = 20 }.ConnectionString;
        var governance = Database($"governance_bench_erase_{pid}");
        var (a, b) = (Database($"chat_bench_erase_a_{pid}"), Database($"chat_bench_erase_b_{pid}"));
        var blobs = Path.Combine(Path.GetTempPath(), $"gov-bench-erase-{pid}");
        try
        {
            await PostgresAdmin.EnsureDatabaseAsync(governance, "bench", ct);
            await new GovernanceMigrator(governance, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).MigrateAsync(ct);
            await PostgresAdmin.EnsureDatabaseAsync(a, "bench", ct);
            var seed = Stopwatch.StartNew();
            var files = await SeedAsync(a, storeMessages, personMessages, output, ct);
            NpgsqlConnection.ClearAllPools();
            await using (var admin = new NpgsqlConnection(Database("postgres")))
            {
                await admin.OpenAsync(ct);
                await admin.ExecuteAsync(new CommandDefinition($"create database \"chat_bench_erase_b_{pid}\" template \"chat_bench_erase_a_{pid}\"", cancellationToken: ct));
            }

            foreach (var store in new[] { "a", "b" })
            {
                Directory.CreateDirectory(Path.Combine(blobs, store, "bench"));
                foreach (var path in files)
                {
                    await File.WriteAllBytesAsync(Path.Combine(blobs, store, path), RandomNumberGenerator.GetBytes(256), ct);
                }
            }

            output.WriteLine($"Erasure benchmark: a store of {storeMessages:N0} messages, {personMessages:N0} of them the person's in {Conversations:N0} group conversations, "
                + $"{files.Count:N0} files; its copy made; {seed.Elapsed.TotalSeconds:F0} s to build. Batch {batchSize:N0} rows, {writers} concurrent writers.");

            var pseudonyms = Pseudonyms.FromKey(RandomNumberGenerator.GetBytes(32));
            await using var gov = new GovernanceDatabase(NpgsqlDataSource.Create(governance));
            var requestId = Guid.CreateVersion7();
            await using (var connection = await gov.OpenAsync(ct))
            {
                await connection.ExecuteAsync(new CommandDefinition("""
                    insert into gov.requests (id, reference, regime, type, state, channel, subject_user_id, received_at, received_on, due_on, due_at, identity_verified)
                    values (@requestId, 'DSR-BENCH-0001', 'gdpr', 'erasure', 'Processing', 'api', '1', now(), current_date, current_date + 30, now() + interval '30 days', true)
                    """, new { requestId }, cancellationToken: ct));
            }

            await using var registry = new ChatStoreRegistry([new ResolvedStore("a", "eu", a, Path.Combine(blobs, "a")), new ResolvedStore("b", "eu", b, Path.Combine(blobs, "b"))]);
            var storeA = registry.Get("a");
            var storeB = registry.Get("b");
            var id = Person.ToString(CultureInfo.InvariantCulture);
            var planA = new DataMapPlanner(map, "a", await StoreSchema.LoadAsync(storeA.DataSource, ct)).Erase(IdentityKind.UserId, id, pseudonyms);
            var planB = new DataMapPlanner(map, "b", await StoreSchema.LoadAsync(storeB.DataSource, ct)).Erase(IdentityKind.UserId, id, pseudonyms);
            var audit = new AuditLog(gov, new AuditSealSignal());
            var runner = new StoreErasure(gov, new LegalHolds(gov, audit, TimeProvider.System), new ErasureOptions { BatchSize = batchSize });

            // Idle: the insert load alone, on the first store.
            var idle = await UnderLoadAsync(a, writers, storeMessages, () => Task.Delay(TimeSpan.FromSeconds(8), ct), ct);
            var erase = Stopwatch.StartNew();
            StoreErasureResult result = null!;
            var during = await UnderLoadAsync(a, writers, storeMessages + 10_000_000, async () => result = await runner.RunAsync(requestId, storeA, map, planA, IdentityKind.UserId, ct), ct);
            erase.Stop();
            var sql = Stopwatch.StartNew();
            IReadOnlyList<StepResult> sqlResults = [];
            var duringSql = await UnderLoadAsync(b, writers, storeMessages + 20_000_000, async () => sqlResults = await PlanRunner.ExecuteAsync(planB, storeB.DataSource, ct), ct);
            sql.Stop();

            var erased = result.Changed;
            var sqlRows = sqlResults.Where(s => s.Action is PlanAction.Update or PlanAction.Delete or PlanAction.Rewrite).Sum(s => s.Rows);
            var left = new List<long>();
            foreach (var cs in new[] { a, b })
            {
                await using var check = new NpgsqlConnection(cs);
                left.Add(await check.ExecuteScalarAsync<long>(new CommandDefinition(
                    "select (select count(*) from messages where sender_id = 1 and body <> '[message deleted]') + (select count(*) from attachments where uploader_id = 1) + (select count(*) from messages where mentions @> array[1::bigint])",
                    cancellationToken: ct)));
            }

            var eraseRate = erased / erase.Elapsed.TotalSeconds;
            var sqlRate = sqlRows / sql.Elapsed.TotalSeconds;
            var (p99Idle, p99During, p99Sql) = (P99(idle), P99(during), P99(duringSql));
            output.WriteLine($"erasure engine : {erased:N0} rows in {erase.Elapsed.TotalSeconds:F1} s = {eraseRate:N0} rows/s; verified {result.Verified}; {files.Count:N0} files removed ({result.Steps.Sum(s => s.FilesRemoved):N0})");
            output.WriteLine($"set-based SQL  : {sqlRows:N0} rows in {sql.Elapsed.TotalSeconds:F1} s = {sqlRate:N0} rows/s (one transaction, the plan's statements)");
            output.WriteLine($"rows of the person left: engine {left[0]:N0}, SQL {left[1]:N0}");
            output.WriteLine($"insert latency p99: idle {p99Idle:F1} ms ({idle.Count:N0} inserts), during the erasure {p99During:F1} ms ({during.Count:N0}, {p99During / p99Idle:F2}x idle), "
                + $"during the SQL {p99Sql:F1} ms ({duringSql.Count:N0}, {p99Sql / p99Idle:F2}x idle)");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"erase_rows_per_s={eraseRate:F0} sql_rows_per_s={sqlRate:F0} ratio={eraseRate / sqlRate:F2} p99_idle_ms={p99Idle:F1} p99_during_ms={p99During:F1} p99_ratio={p99During / p99Idle:F2}"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            foreach (var cs in new[] { b, a, governance })
            {
                await PostgresAdmin.DropDatabaseAsync(cs, CancellationToken.None);
            }

            if (Directory.Exists(blobs))
            {
                Directory.Delete(blobs, recursive: true);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> while <paramref name="writers"/> connections insert messages, one at a time each; returns every insert's latency (ms).</summary>
    private static async Task<List<double>> UnderLoadAsync(string store, int writers, long firstId, Func<Task> work, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var pool = NpgsqlDataSource.Create(store);
        var next = firstId;
        var load = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var rng = new Random(w);
            await using var connection = await pool.OpenConnectionAsync(ct);
            while (!stop.IsCancellationRequested)
            {
                var id = Interlocked.Increment(ref next);
                var watch = Stopwatch.StartNew();
                await using var insert = new NpgsqlCommand(
                    "insert into messages (id, conversation_id, sender_id, body, created_at) values ($1, $2, $3, $4, now())", connection);
                insert.Parameters.Add(new NpgsqlParameter { Value = id });
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)rng.Next(1, Conversations + 1) });
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)rng.Next(2, Users + 1) });
                insert.Parameters.Add(new NpgsqlParameter { Value = "a new message while the store is being changed" });
                await insert.ExecuteNonQueryAsync(CancellationToken.None);
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None)).ToList();
        try
        {
            await Task.Delay(500, ct); // the writers settle before the work starts
            await work();
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        return latencies.ToList();
    }

    private static double P99(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[Math.Max(0, (int)Math.Ceiling(values.Count * 0.99) - 1)];
    }

    /// <summary>The reference schema and its rows, set-based: the person (user 1) in every conversation, one message in five theirs.</summary>
    private static async Task<List<string>> SeedAsync(string store, int storeMessages, int personMessages, TextWriter output, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(store);
        await connection.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(DemoSeeder.SchemaSql(), cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition($"""
            insert into tenants values (1, 'Bench', 'bench.example', 'eu', now() - interval '3 years');
            insert into users (id, tenant_id, email, display_name, locale, home_region, created_at, last_login_at, last_login_ip)
                select g, 1, 'user' || g || '@bench.example', 'User ' || g, 'en', 'eu', now() - interval '2 years', now(), '10.0.0.1'
                from generate_series(1, {Users}) g;
            insert into conversations (id, tenant_id, kind, name, created_by, created_at, region)
                select g, 1, 'group', 'Group ' || g, 2 + g % ({Users} - 1), now() - interval '2 years', 'eu' from generate_series(1, {Conversations}) g;
            insert into conversation_members (conversation_id, user_id, role, joined_at)
                select distinct c, u, 'member', now() - interval '2 years'
                from generate_series(1, {Conversations}) c, lateral (select 1 + (c * 7 + k * 131) % {Users} as u from generate_series(0, 9) k union select 1) m;
            insert into devices (id, user_id, platform, model, push_token, created_at) select g, 1 + g % {Users}, 'ios', 'phone', 'token' || g, now() from generate_series(1, 10000) g;
            insert into sessions (id, user_id, device_id, ip, user_agent, created_at, expires_at)
                select g, 1 + g % {Users}, g, '10.0.0.2', 'agent', now(), now() + interval '1 day' from generate_series(1, 10000) g;
            """, cancellationToken: ct));
        var every = storeMessages / personMessages;
        const int chunk = 1_000_000;
        for (var from = 1; from <= storeMessages; from += chunk)
        {
            var to = Math.Min(storeMessages, from + chunk - 1);
            await connection.ExecuteAsync(new CommandDefinition($"""
                insert into messages (id, conversation_id, sender_id, body, created_at, mentions)
                select g, 1 + g % {Conversations},
                       case when g % {every} = 0 and g / {every} <= {personMessages} then 1 else 2 + g % ({Users} - 1) end,
                       'message ' || g || ': the quarterly numbers look fine, see the attached sheet before the call',
                       now() - ({storeMessages} - g) * interval '1 second',
                       case when g % 997 = 1 then array[1::bigint] end
                from generate_series({from}, {to}) g
                """, commandTimeout: 0, cancellationToken: ct));
            output.WriteLine($"  seeded messages {from:N0}-{to:N0}");
        }

        var files = Math.Min(2_000, Math.Max(1, personMessages / 500));
        await connection.ExecuteAsync(new CommandDefinition($"""
            insert into attachments (id, message_id, uploader_id, file_name, size_bytes, content_type, blob_path, storage_region, created_at)
            select k, k * {every}, 1, 'sheet-' || k || '.xlsx', 256, 'application/octet-stream', 'bench/' || k || '.bin', 'eu', now()
            from generate_series(1, {files}) k;
            insert into reactions (message_id, user_id, emoji, created_at)
                select g * 5 + 1, 1, '+1', now() from generate_series(1, 5000) g on conflict do nothing;
            analyze;
            """, commandTimeout: 0, cancellationToken: ct));
        return Enumerable.Range(1, files).Select(k => $"bench/{k}.bin").ToList();
    }
}
