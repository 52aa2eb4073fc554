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
    private const int Users = BenchStore.Users;
    private const int Conversations = BenchStore.Conversations;
    private const long Person = BenchStore.Person;

    public static async Task RunAsync(string adminConnectionString, DataMapDocument map, int storeMessages, int personMessages, int batchSize, int writers, TextWriter output, CancellationToken ct)
    {
        if (personMessages < 1 || storeMessages < personMessages * 2)
        {
            throw new ArgumentException("--messages must be at least twice --person-messages, and --person-messages at least 1.");
        }

        var folder = Path.Combine(Path.GetTempPath(), $"gov-bench-erase-{Environment.ProcessId}");
        var blobs = folder;
        try
        {
            var seed = Stopwatch.StartNew();
            var (governance, a, b, files) = await BenchLoad.PrepareAsync(adminConnectionString, "erase", storeMessages, personMessages, output, ct);

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
            var idle = await BenchLoad.UnderLoadAsync(a, writers, storeMessages, () => Task.Delay(TimeSpan.FromSeconds(8), ct), ct);
            var erase = Stopwatch.StartNew();
            StoreErasureResult result = null!;
            var during = await BenchLoad.UnderLoadAsync(a, writers, storeMessages + 10_000_000, async () => result = await runner.RunAsync(requestId, storeA, map, planA, IdentityKind.UserId, ct), ct);
            erase.Stop();
            var sql = Stopwatch.StartNew();
            IReadOnlyList<StepResult> sqlResults = [];
            var duringSql = await BenchLoad.UnderLoadAsync(b, writers, storeMessages + 20_000_000, async () => sqlResults = await PlanRunner.ExecuteAsync(planB, storeB.DataSource, ct), ct);
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
            var (p99Idle, p99During, p99Sql) = (BenchLoad.P99(idle), BenchLoad.P99(during), BenchLoad.P99(duringSql));
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
            await BenchLoad.CleanUpAsync(BenchLoad.Databases(adminConnectionString, "erase"), folder);
        }
    }
}
