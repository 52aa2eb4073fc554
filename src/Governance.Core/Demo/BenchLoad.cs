using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Governance.Core.Demo;

/// <summary>The chat system's own writes during a benchmark: a second connection pool inserting messages, each insert timed.</summary>
public static class BenchLoad
{
    /// <summary>Runs <paramref name="work"/> while <paramref name="writers"/> connections insert messages, one at a time each; returns every insert's latency (ms).</summary>
    public static async Task<List<double>> UnderLoadAsync(string store, int writers, long firstId, Func<Task> work, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var pool = NpgsqlDataSource.Create(store);
        var next = firstId;
        var measuring = false;
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
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)rng.Next(1, BenchStore.Conversations + 1) });
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)rng.Next(2, BenchStore.Users + 1) });
                insert.Parameters.Add(new NpgsqlParameter { Value = "a new message while the store is being changed" });
                await insert.ExecuteNonQueryAsync(CancellationToken.None);
                if (Volatile.Read(ref measuring))
                {
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }
                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None)).ToList();
        try
        {
            await Task.Delay(500, ct); // the writers settle (connections opened, statements prepared) before anything is timed
            Volatile.Write(ref measuring, true);
            await work();
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        return latencies.ToList();
    }

    public static double P99(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[Math.Max(0, (int)Math.Ceiling(values.Count * 0.99) - 1)];
    }

    /// <summary>A benchmark's clean-up: its scratch databases dropped (last made first) and its folder removed.</summary>
    public static async Task CleanUpAsync(IEnumerable<string> databases, string folder)
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var cs in databases)
        {
            await Database.PostgresAdmin.DropDatabaseAsync(cs, CancellationToken.None);
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// A benchmark's databases, named for this process: a migrated governance database, a reference store seeded with
    /// <paramref name="storeMessages"/> messages (<paramref name="personMessages"/> of them user 1's) and its identical copy.
    /// </summary>
    public static async Task<(string Governance, string A, string B, List<string> Files)> PrepareAsync(string adminConnectionString, string name,
        int storeMessages, int personMessages, TextWriter output, CancellationToken ct)
    {
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (governance, a, b) = (Connection(adminConnectionString, $"governance_bench_{name}_{pid}"), Connection(adminConnectionString, $"chat_bench_{name}_a_{pid}"),
            Connection(adminConnectionString, $"chat_bench_{name}_b_{pid}"));
        await Database.PostgresAdmin.EnsureDatabaseAsync(governance, "bench", ct);
        await new Database.GovernanceMigrator(governance, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).MigrateAsync(ct);
        await Database.PostgresAdmin.EnsureDatabaseAsync(a, "bench", ct);
        var files = await BenchStore.SeedAsync(a, storeMessages, personMessages, output, ct);
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(Connection(adminConnectionString, "postgres"));
        await admin.OpenAsync(ct);
        await using var copy = new NpgsqlCommand($"create database \"chat_bench_{name}_b_{pid}\" template \"chat_bench_{name}_a_{pid}\"", admin);
        await copy.ExecuteNonQueryAsync(ct);
        return (governance, a, b, files);
    }

    /// <summary>The names a benchmark of this process gives its databases (for the clean-up of a run that failed while preparing).</summary>
    public static string[] Databases(string adminConnectionString, string name)
    {
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return [Connection(adminConnectionString, $"chat_bench_{name}_b_{pid}"), Connection(adminConnectionString, $"chat_bench_{name}_a_{pid}"), Connection(adminConnectionString, $"governance_bench_{name}_{pid}")];
    }

    private static string Connection(string admin, string database) =>
        new NpgsqlConnectionStringBuilder(admin) { Database = database, Pooling = true, MaxPoolSize = 20 }.ConnectionString;
}
