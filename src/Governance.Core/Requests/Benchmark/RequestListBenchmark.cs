using System.Diagnostics;
using Governance.Core.Database;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.Requests.Benchmark;

/// <summary><c>./gov bench requests</c>: the request list on a scratch database.</summary>
public static class RequestListBenchmark
{
    /// <summary><c>./gov bench requests</c>: list queries on a scratch database of <paramref name="count"/> requests; p95 per filter.</summary>
    public static async Task RunAsync(string adminConnectionString, int count, TextWriter output, CancellationToken ct)
    {
        var scratch = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = $"governance_bench_requests_{Environment.ProcessId}" }.ConnectionString;
        await PostgresAdmin.EnsureDatabaseAsync(scratch, "bench", ct);
        try
        {
            await new GovernanceMigrator(scratch, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).MigrateAsync(ct);
            await using var dataSource = NpgsqlDataSource.Create(scratch);
            var rng = new Random(5);
            string[] states = [.. Enum.GetNames<RequestState>()];
            string[] regimes = ["gdpr", "ccpa", "pipl"];
            var start = DateTime.UtcNow.Date.AddYears(-2);
            var fill = Stopwatch.StartNew();
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
            await using (var importer = await connection.BeginBinaryImportAsync(
                "copy gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at) from stdin (format binary)", ct))
            {
                for (var i = 0; i < count; i++)
                {
                    var received = start.AddMinutes(rng.Next(0, 2 * 365 * 24 * 60));
                    await importer.StartRowAsync(ct);
                    await importer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, ct);
                    await importer.WriteAsync($"DSR-{received:yyyy}-{i:D7}", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(regimes[rng.Next(3)], NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(RequestTypes.All[rng.Next(RequestTypes.All.Length)], NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(received < DateTime.UtcNow.AddDays(-60) ? states[rng.Next(6, 10) % states.Length] : states[rng.Next(states.Length)], NpgsqlDbType.Text, ct);
                    await importer.WriteAsync("api", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync($"person{i}@example.org", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(received, NpgsqlDbType.TimestampTz, ct);
                    await importer.WriteAsync(DateOnly.FromDateTime(received), NpgsqlDbType.Date, ct);
                    await importer.WriteAsync(DateOnly.FromDateTime(received.AddDays(30)), NpgsqlDbType.Date, ct);
                    await importer.WriteAsync(received.AddDays(31), NpgsqlDbType.TimestampTz, ct);
                }

                await importer.CompleteAsync(ct);
            }

            await using (var analyse = dataSource.CreateCommand("analyze gov.requests"))
            {
                await analyse.ExecuteNonQueryAsync(ct);
            }

            output.WriteLine($"Request list benchmark: {count:N0} requests loaded in {fill.Elapsed.TotalSeconds:F1} s");
            var database = new GovernanceDatabase(dataSource);
            var list = new RequestList(database, TimeProvider.System);
            // Baseline in the same run: one request read by its key, the cheapest round trip the page could make.
            await using var first = dataSource.CreateCommand("select id from gov.requests limit 1");
            var anyId = (Guid)(await first.ExecuteScalarAsync(ct))!;
            var baseline = await MeasureAsync(async () =>
            {
                await using var one = dataSource.CreateCommand("select reference, state, due_on from gov.requests where id = $1");
                one.Parameters.Add(new NpgsqlParameter { Value = anyId });
                await using var reader = await one.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
            });
            output.WriteLine($"baseline, one row by key   : p50 {baseline.P50,6:F1} ms, p95 {baseline.P95,6:F1} ms");
            var cases = new (string Name, RequestFilter Filter, RequestSort Sort, int Offset)[]
            {
                ("all, due soonest", new RequestFilter(), RequestSort.DueSoonest, 0),
                ("all, newest, page 20", new RequestFilter(), RequestSort.NewestFirst, 950),
                ("state InReview", new RequestFilter(State: nameof(RequestState.InReview)), RequestSort.DueSoonest, 0),
                ("regime + type", new RequestFilter(Regime: "ccpa", Type: "erasure"), RequestSort.DueSoonest, 0),
                ("overdue", new RequestFilter(OverdueOnly: true), RequestSort.DueSoonest, 0),
                ("due within 7 days", new RequestFilter(DueWithinDays: 7), RequestSort.DueSoonest, 0),
            };
            foreach (var (name, filter, sort, offset) in cases)
            {
                var (p50, p95) = await MeasureAsync(() => list.PageAsync(filter, sort, offset, 50, ct));
                output.WriteLine($"list, {name,-22}: p50 {p50,6:F1} ms, p95 {p95,6:F1} ms ({p95 / baseline.P95:F1}x baseline p95)");
            }
        }
        finally
        {
            await PostgresAdmin.DropDatabaseAsync(scratch, CancellationToken.None);
        }
    }

    /// <summary>p50 and p95 of 40 runs after 5 warm-up runs, in milliseconds.</summary>
    private static async Task<(double P50, double P95)> MeasureAsync(Func<Task> run)
    {
        var times = new List<double>();
        for (var i = 0; i < 45; i++)
        {
            var clock = Stopwatch.StartNew();
            await run();
            if (i >= 5)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        return (times[times.Count / 2], times[(int)(times.Count * 0.95)]);
    }
}
