using System.Diagnostics;
using System.Globalization;
using Dapper;
using Governance.Core.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.Audit.Benchmark;

/// <summary>
/// <c>./gov bench audit</c>: measures the audit log on a scratch database (created and dropped here) and prints
/// the figures, each beside its goal and, for appends, beside a baseline of plain inserts run in the same process.
/// </summary>
public static class AuditBenchmark
{
    private const int Writers = 4;

    public static async Task RunAsync(string adminConnectionString, int entries, int appends, TextWriter output, CancellationToken ct)
    {
        if (entries < 1_000 || appends < Writers || entries < 4 * appends)
        {
            throw new ArgumentException("--entries must be at least 1,000 and at least four times --appends (the appends run four times), and --appends at least 4.");
        }

        var scratch = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = $"governance_bench_{Environment.ProcessId}" }.ConnectionString;
        await PostgresAdmin.EnsureDatabaseAsync(scratch, "bench", ct);
        try
        {
            var migrator = new GovernanceMigrator(scratch, NullLogger.Instance);
            await migrator.MigrateAsync(ct);
            await using var dataSource = NpgsqlDataSource.Create(scratch);
            var database = new GovernanceDatabase(dataSource);
            var audit = new AuditLog(database, new AuditSealSignal());
            var sealer = new AuditSealer(database);
            var verifier = new AuditVerifier(database);

            output.WriteLine($"Audit benchmark on {ConnectionSummary.Describe(scratch)} ({Environment.ProcessorCount} cores)");

            // 1. Appends: four writers, one transaction per entry, the sealer running meanwhile; baseline: the same rows,
            // committed one by one into a plain table (no index, no check). The two alternate over three rounds (the
            // order flipped each round, so that a table growing or a checkpoint landing weighs on both alike) and the
            // median of the rounds' ratios is the figure: on a shared machine one round's ratio moves by ±0.1.
            await Execute(scratch, "create table public.bench_plain (like gov.audit_log including defaults including identity)", ct);
            Task Plain(int i, CancellationToken c) => PlainInsertAsync(dataSource, i, c);
            Task Audited(int i, CancellationToken c) => audit.AppendAsync(BenchRecord(i), c);

            // The same appends without the sealer running: the cost of the indexes and checks alone.
            var unsealed = await TimeWritersAsync(appends, Audited, ct);
            var unsealedBaseline = await TimeWritersAsync(appends, Plain, ct);

            await sealer.SealAllAsync(ct); // start the measured phase with nothing waiting
            using var sealing = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var sealerLoop = Task.Run(async () =>
            {
                while (!sealing.IsCancellationRequested)
                {
                    await sealer.SealAllAsync(CancellationToken.None);
                    try
                    {
                        await Task.Delay(AuditSealingService.BatchInterval, sealing.Token); // the service's cadence
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            }, CancellationToken.None);
            var rounds = new List<(TimeSpan Plain, TimeSpan Audited)>();
            for (var round = 0; round < 3; round++)
            {
                TimeSpan plain, audited;
                if (round % 2 == 0)
                {
                    plain = await TimeWritersAsync(appends, Plain, ct);
                    audited = await TimeWritersAsync(appends, Audited, ct);
                }
                else
                {
                    audited = await TimeWritersAsync(appends, Audited, ct);
                    plain = await TimeWritersAsync(appends, Plain, ct);
                }

                rounds.Add((plain, audited));
            }

            await sealing.CancelAsync();
            await sealerLoop;
            await sealer.SealAllAsync(ct);
            var ratios = rounds.Select(r => r.Plain.TotalSeconds / r.Audited.TotalSeconds).Order().ToList();
            var appendRatio = ratios[1];
            output.WriteLine($"append, {Writers} writers, sealing meanwhile: {string.Join(", ", rounds.Select(r => $"{appends / r.Audited.TotalSeconds:N0}"))} entries/s in three rounds  (goal >= 2,000)");
            output.WriteLine($"  plain inserts of the same rows, same rounds: {string.Join(", ", rounds.Select(r => $"{appends / r.Plain.TotalSeconds:N0}"))}/s; ratios {string.Join(", ", rounds.Select(r => (r.Plain.TotalSeconds / r.Audited.TotalSeconds).ToString("F2", CultureInfo.InvariantCulture)))} (median {appendRatio:F2}, goal >= 0.9)");
            output.WriteLine($"  with no sealer running: {appends / unsealed.TotalSeconds:N0}/s against plain {appends / unsealedBaseline.TotalSeconds:N0}/s (ratio {unsealedBaseline.TotalSeconds / unsealed.TotalSeconds:F2})");
            var appended = 4 * appends; // the log now holds the unsealed run and three rounds
            var afterAppends = await verifier.VerifyAsync(null, null, ct);
            output.WriteLine($"chain after concurrent appends: {afterAppends.Summary}");

            // 2. Fill to the volume of the other measurements through the real path (insert trigger, sealer).
            var fill = Stopwatch.StartNew();
            await BulkInsertAsync(dataSource, entries - appended, ct);
            var inserted = fill.Elapsed;
            var sealClock = Stopwatch.StartNew();
            var sealedCount = await sealer.SealAllAsync(ct);
            output.WriteLine($"fill: {entries - appended:N0} entries copied in {inserted.TotalSeconds:F1} s, sealed {sealedCount:N0} in {sealClock.Elapsed.TotalSeconds:F1} s ({sealedCount / sealClock.Elapsed.TotalSeconds:N0}/s)");
            await Execute(scratch, "vacuum analyze gov.audit_log", ct);
            await Execute(scratch, "vacuum analyze gov.audit_chain", ct);

            // 3. Verification of the whole chain.
            var verification = await verifier.VerifyAsync(null, null, ct);
            var verifyPerMillion = verification.Elapsed.TotalSeconds / (verification.Checked / 1_000_000.0);
            output.WriteLine($"verify {verification.Checked:N0} entries: {verification.Elapsed.TotalSeconds,6:F2} s, {verifyPerMillion:F2} s per million  (goal < 6; {verification.Checked / verification.Elapsed.TotalSeconds:N0} entries/s; {verification.Summary})");

            // 4. Review page queries, each filter alone, first page of 50 with the capped count.
            var query = new AuditQuery(database);
            var rng = new Random(7);
            var day = DateTimeOffset.UtcNow.Date;
            var filters = new (string Name, Func<AuditFilter> Make)[]
            {
                ("no filter", () => new AuditFilter()),
                ("actor", () => new AuditFilter(ActorId: $"local:{rng.Next(200)}")),
                ("action", () => new AuditFilter(Action: Actions[rng.Next(Actions.Length)])),
                ("target", () => new AuditFilter(TargetType: "request", TargetId: $"req-{rng.Next(20_000):D6}")),
                ("request", () => new AuditFilter(RequestId: $"req-{rng.Next(20_000):D6}")),
                ("outcome", () => new AuditFilter(Outcome: rng.Next(2) == 0 ? "failure" : "denied")),
                ("time range", () => { var from = new DateTimeOffset(day.AddDays(-rng.Next(1, 360)), TimeSpan.Zero); return new AuditFilter(From: from, To: from.AddDays(1)); }),
                ("actor + range", () => { var from = new DateTimeOffset(day.AddDays(-rng.Next(30, 360)), TimeSpan.Zero); return new AuditFilter(ActorId: $"local:{rng.Next(200)}", From: from, To: from.AddDays(30)); }),
            };
            double worstReview = 0;
            foreach (var (name, make) in filters)
            {
                var times = new List<double>();
                for (var i = 0; i < 45; i++)
                {
                    var f = make();
                    var clock = Stopwatch.StartNew();
                    await query.PageAsync(f, AuditSort.NewestFirst, 0, 50, ct);
                    if (i >= 5)
                    {
                        times.Add(clock.Elapsed.TotalMilliseconds); // the first five warm the cache
                    }
                }

                times.Sort();
                worstReview = Math.Max(worstReview, times[(int)(times.Count * 0.95)]);
                output.WriteLine($"review query, {name,-14}: p50 {times[times.Count / 2],6:F1} ms, p95 {times[(int)(times.Count * 0.95)],6:F1} ms  (goal p95 < 20 ms)");
            }

            // 5. The chain badge on the dashboard and the review page (latest verification, open alert, sealing backlog).
            var status = new AuditChainStatus(database);
            var badge = new List<double>();
            for (var i = 0; i < 25; i++)
            {
                var clock = Stopwatch.StartNew();
                await status.GetAsync(ct);
                if (i >= 5)
                {
                    badge.Add(clock.Elapsed.TotalMilliseconds);
                }
            }

            badge.Sort();
            var dashboard = badge[(int)(badge.Count * 0.95)];
            output.WriteLine($"dashboard chain status: p95 {dashboard:F2} ms  (goal < 20 ms)");

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"append_ratio={appendRatio:F2} verify_s_per_million={verifyPerMillion:F2} review_p95_ms={worstReview:F1} dashboard_ms={dashboard:F2}"));
        }
        finally
        {
            await PostgresAdmin.DropDatabaseAsync(scratch, CancellationToken.None);
        }
    }

    private static readonly string[] Actions =
    [
        "auth.sign-in", "audit.view", "audit.export", "request.create", "request.transition", "request.verify", "hold.create", "hold.release",
        "export.create", "export.download", "erasure.run", "retention.purge", "residency.scan", "account.create", "alert.raise",
    ];

    private static AuditRecord BenchRecord(int i) => new(
        new AuditActor(AuditActorType.User, $"local:{i % 50}", ["Legal"], "127.0.0.1"), "bench.append", AuditOutcome.Success,
        "request", $"req-{i % 1000}", Details: new Dictionary<string, object?> { ["n"] = i });

    /// <summary>The row an audited append writes, committed into the plain table: the same columns and values, one statement.</summary>
    private static async Task PlainInsertAsync(NpgsqlDataSource dataSource, int i, CancellationToken ct)
    {
        var r = BenchRecord(i);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            insert into public.bench_plain (actor_type, actor_id, actor_roles, action, target_type, target_id, request_id, outcome, client_address, details)
            values (@actorType, @actorId, @actorRoles, @action, @targetType, @targetId, @requestId, @outcome, @clientAddress, @details::jsonb)
            returning id
            """, new
        {
            actorType = AuditLog.ActorTypeCode(r.Actor.Type),
            actorId = r.Actor.Id,
            actorRoles = string.Join(',', r.Actor.Roles),
            action = r.Action,
            targetType = r.TargetType,
            targetId = r.TargetId,
            requestId = r.RequestId,
            outcome = AuditLog.OutcomeCode(r.Outcome),
            clientAddress = r.Actor.ClientAddress,
            details = r.DetailsJson(),
        }, cancellationToken: ct));
    }

    private static async Task<TimeSpan> TimeWritersAsync(int total, Func<int, CancellationToken, Task> append, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var per = total / Writers;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < per; i++)
            {
                await append(w * per + i, ct);
            }
        }, ct)));
        return clock.Elapsed;
    }

    private static async Task BulkInsertAsync(NpgsqlDataSource dataSource, int count, CancellationToken ct)
    {
        var rng = new Random(42);
        var start = DateTime.UtcNow.AddDays(-365);
        var step = TimeSpan.FromDays(365).Ticks / Math.Max(1, count);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var importer = await connection.BeginBinaryImportAsync(
            "copy gov.audit_log (occurred_at, actor_type, actor_id, actor_roles, action, target_type, target_id, request_id, outcome, client_address, details) from stdin (format binary)", ct);
        for (var i = 0; i < count; i++)
        {
            var request = $"req-{rng.Next(20_000):D6}";
            var outcome = rng.Next(100) switch { < 95 => "success", < 99 => "failure", _ => "denied" };
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(start.AddTicks(step * i), NpgsqlDbType.TimestampTz, ct);
            await importer.WriteAsync("user", NpgsqlDbType.Text, ct);
            await importer.WriteAsync($"local:{rng.Next(200)}", NpgsqlDbType.Text, ct);
            await importer.WriteAsync("Legal", NpgsqlDbType.Text, ct);
            await importer.WriteAsync(Actions[rng.Next(Actions.Length)], NpgsqlDbType.Text, ct);
            await importer.WriteAsync("request", NpgsqlDbType.Text, ct);
            await importer.WriteAsync(request, NpgsqlDbType.Text, ct);
            if (rng.Next(10) < 3)
            {
                await importer.WriteAsync(request, NpgsqlDbType.Text, ct);
            }
            else
            {
                await importer.WriteNullAsync(ct);
            }

            await importer.WriteAsync(outcome, NpgsqlDbType.Text, ct);
            await importer.WriteAsync($"10.{rng.Next(256)}.{rng.Next(256)}.{rng.Next(1, 255)}", NpgsqlDbType.Text, ct);
            await importer.WriteAsync($"{{\"count\": {rng.Next(1000).ToString(CultureInfo.InvariantCulture)}}}", NpgsqlDbType.Jsonb, ct);
        }

        await importer.CompleteAsync(ct);
    }

    private static async Task Execute(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 }; // a vacuum of ten million rows takes minutes
        await command.ExecuteNonQueryAsync(ct);
    }
}
