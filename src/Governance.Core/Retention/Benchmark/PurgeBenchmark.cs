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
using Microsoft.Extensions.Options;
using Npgsql;

namespace Governance.Core.Retention.Benchmark;

/// <summary>
/// <c>./gov bench purge</c>: a reference store whose messages span a stretch of time, half of them past a rule's age,
/// and an identical copy. In the copy, what a person would type by hand: one transaction that deletes the old messages'
/// dependants and then <c>DELETE FROM messages WHERE created_at &lt; cutoff</c>. In the first, the purge as the console
/// runs it (committed batches, dependants and files, pacing). Throughout both, a second connection pool inserts
/// messages and every insert is timed: before either (idle), during the single DELETE, during the purge.
/// </summary>
public static class PurgeBenchmark
{
    public static async Task RunAsync(string adminConnectionString, string mapsDirectory, int storeMessages, int writers, RetentionOptions options, TextWriter output, CancellationToken ct)
    {
        if (storeMessages < 30_000)
        {
            throw new ArgumentException("--messages must be at least 30,000 (the reference store's reactions point at its first 25,000 messages).");
        }

        var folder = Path.Combine(Path.GetTempPath(), $"gov-bench-purge-{Environment.ProcessId}");
        var work = folder;
        try
        {
            var seed = Stopwatch.StartNew();
            var (governance, a, b, files) = await BenchLoad.PrepareAsync(adminConnectionString, "purge", storeMessages, Math.Max(1, storeMessages / 100), output, ct);

            foreach (var path in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(work, "blobs", path))!);
                await File.WriteAllBytesAsync(Path.Combine(work, "blobs", path), RandomNumberGenerator.GetBytes(256), ct);
            }

            // Messages are one second apart up to now: half of them are older than half the span.
            var hours = storeMessages / 2 / 3600;
            var policies = Path.Combine(work, "policies");
            Directory.CreateDirectory(Path.Combine(policies, "datamap"));
            foreach (var file in Directory.GetFiles(mapsDirectory, "*.yaml"))
            {
                File.Copy(file, Path.Combine(policies, "datamap", Path.GetFileName(file)));
            }

            Directory.CreateDirectory(Path.Combine(policies, "retention"));
            await File.WriteAllTextAsync(Path.Combine(policies, "retention", "bench.yaml"), $"""
                version: 1
                map: chat
                rules:
                  - name: bench
                    collection: messages
                    store: eu
                    age: PT{hours}H
                    action: delete
                    schedule: "0 2 * * *"
                    why: benchmark
                """, ct);
            output.WriteLine($"Purge benchmark: a store of {storeMessages:N0} messages one second apart, {files.Count:N0} files; its copy made; {seed.Elapsed.TotalSeconds:F0} s to build. "
                + $"Rule: messages older than {hours:N0} hours. Batches {options.BatchSize:N0} ({options.MinBatchSize:N0}-{options.MaxBatchSize:N0}), target {options.TargetBatchMs} ms, pause x{options.PauseFactor}; {writers} concurrent writers.");

            await using var gov = new GovernanceDatabase(NpgsqlDataSource.Create(governance));
            await using var registry = new ChatStoreRegistry([new ResolvedStore("eu", "eu", a, Path.Combine(work, "blobs"))]);
            var dataMaps = Options.Create(new DataMapOptions { Directory = Path.Combine(policies, "datamap") });
            var audit = new AuditLog(gov, new AuditSealSignal());
            var purge = new RetentionPurge(gov, registry, new RetentionCatalog(dataMaps, new DataMapCatalog(dataMaps)), new LegalHolds(gov, audit, TimeProvider.System), audit, options, TimeProvider.System);

            // Idle: the insert load alone.
            var idle = await BenchLoad.UnderLoadAsync(a, writers, storeMessages + 1_000_000, () => Task.Delay(TimeSpan.FromSeconds(8), ct), ct);

            // The single DELETE (with the dependants it must remove first) on the copy.
            var cutoff = DateTimeOffset.UtcNow.AddHours(-hours);
            long deleted = 0;
            var single = Stopwatch.StartNew();
            var duringDelete = await BenchLoad.UnderLoadAsync(b, writers, storeMessages + 10_000_000, async () =>
            {
                await using var connection = new NpgsqlConnection(b);
                await connection.OpenAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(ct);
                const string Old = "(select id from messages where created_at < @cutoff)";
                foreach (var sql in new[]
                {
                    $"delete from attachments where message_id in {Old}",
                    $"delete from reactions where message_id in {Old}",
                    $"delete from read_receipts where last_read_message_id in {Old}",
                    $"update messages set reply_to_id = null where reply_to_id in {Old} and created_at >= @cutoff",
                })
                {
                    await connection.ExecuteAsync(new CommandDefinition(sql, new { cutoff }, tx, commandTimeout: 0, cancellationToken: ct));
                }

                deleted = await connection.ExecuteAsync(new CommandDefinition("delete from messages where created_at < @cutoff", new { cutoff }, tx, commandTimeout: 0, cancellationToken: ct));
                await tx.CommitAsync(ct);
            }, ct);
            single.Stop();

            // The purge on the first store.
            RetentionRun? run = null;
            var purging = Stopwatch.StartNew();
            var duringPurge = await BenchLoad.UnderLoadAsync(a, writers, storeMessages + 20_000_000, async () =>
            {
                var id = (await purge.ScheduleAsync("bench", AuditActor.Job("bench"), ct)).Single();
                run = await purge.RunAsync(id, AuditActor.Job("bench"), ct);
            }, ct);
            purging.Stop();
            if (run is not { State: "done" })
            {
                throw new InvalidOperationException($"The purge did not finish: {run?.State} {run?.Problem}");
            }

            // Idle again, once both are done: the first idle window follows the seeding and the copy (autovacuum and the
            // checkpointer may still be at work), so the baseline is the lower of the two.
            var idleAfter = await BenchLoad.UnderLoadAsync(a, writers, storeMessages + 30_000_000, () => Task.Delay(TimeSpan.FromSeconds(8), ct), ct);
            long paused;
            await using (var g = await gov.OpenAsync(ct))
            {
                paused = await g.ExecuteScalarAsync<long>(new CommandDefinition("select paused_ms from gov.retention_runs where id = @id", new { id = run.Id }, cancellationToken: ct));
            }

            long left;
            await using (var check = new NpgsqlConnection(a))
            {
                left = await check.ExecuteScalarAsync<long>(new CommandDefinition("select count(*) from messages where created_at < @cutoff", new { cutoff = run.Cutoff }, cancellationToken: ct));
            }

            var purgeRate = run.RowsRemoved / purging.Elapsed.TotalSeconds;
            var deleteRate = deleted / single.Elapsed.TotalSeconds;
            var (p99Before, p99After) = (BenchLoad.P99(idle), BenchLoad.P99(idleAfter));
            var (p99Idle, p99Delete, p99Purge) = (Math.Min(p99Before, p99After), BenchLoad.P99(duringDelete), BenchLoad.P99(duringPurge));
            output.WriteLine($"single DELETE : {deleted:N0} messages (and their dependants) in {single.Elapsed.TotalSeconds:F1} s = {deleteRate:N0} rows/s, one transaction");
            output.WriteLine($"purge (console): {run.RowsRemoved:N0} messages in {purging.Elapsed.TotalSeconds:F1} s = {purgeRate:N0} rows/s, {run.Batches:N0} batches, "
                + $"{run.FilesRemoved:N0} files removed, {string.Join(", ", run.Collections.Select(c => $"{c.Key} {c.Value:N0}"))}; {left:N0} past the cutoff left; paused {paused / 1000.0:F1} s of it");
            output.WriteLine($"insert latency p99: idle {p99Idle:F1} ms (before {p99Before:F1} ms, {idle.Count:N0} inserts; after {p99After:F1} ms, {idleAfter.Count:N0}), during the DELETE {p99Delete:F1} ms ({duringDelete.Count:N0}, {p99Delete / p99Idle:F2}x idle), "
                + $"during the purge {p99Purge:F1} ms ({duringPurge.Count:N0}, {p99Purge / p99Idle:F2}x idle)");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"purge_rows_per_s={purgeRate:F0} delete_rows_per_s={deleteRate:F0} ratio={purgeRate / deleteRate:F2} p99_idle_ms={p99Idle:F1} p99_delete_ms={p99Delete:F1} p99_purge_ms={p99Purge:F1} p99_ratio={p99Purge / p99Idle:F2}"));
        }
        finally
        {
            await BenchLoad.CleanUpAsync(BenchLoad.Databases(adminConnectionString, "purge"), folder);
        }
    }
}
