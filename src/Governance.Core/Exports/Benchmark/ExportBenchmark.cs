using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Demo;
using Npgsql;

namespace Governance.Core.Exports.Benchmark;

/// <summary>
/// <c>./gov bench export</c>: one person's access package (their messages in group conversations, their files) from a
/// reference store, written as the console writes it (JSON Lines and CSV, ZIP, AES-256-GCM, to a file), against
/// PostgreSQL's own <c>COPY (the same query) TO</c> a file, in the same run; and the process's peak memory.
/// </summary>
public static class ExportBenchmark
{
    public static async Task RunAsync(string adminConnectionString, DataMapDocument map, int storeMessages, int personMessages, TextWriter output, CancellationToken ct)
    {
        if (personMessages < 1 || storeMessages < personMessages * 2)
        {
            throw new ArgumentException("--messages must be at least twice --person-messages, and --person-messages at least 1.");
        }

        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var store = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = $"chat_bench_export_{pid}" }.ConnectionString;
        var work = Path.Combine(Path.GetTempPath(), $"gov-bench-export-{pid}");
        try
        {
            await PostgresAdmin.EnsureDatabaseAsync(store, "bench", ct);
            var seed = Stopwatch.StartNew();
            var files = await BenchStore.SeedAsync(store, storeMessages, personMessages, output, ct);
            Directory.CreateDirectory(Path.Combine(work, "blobs", "bench"));
            foreach (var path in files)
            {
                await File.WriteAllBytesAsync(Path.Combine(work, "blobs", path), RandomNumberGenerator.GetBytes(256), ct);
            }

            output.WriteLine($"Export benchmark: a store of {storeMessages:N0} messages, {personMessages:N0} of them the person's, {files.Count:N0} files; {seed.Elapsed.TotalSeconds:F0} s to build.");
            await using var registry = new ChatStoreRegistry([new ResolvedStore("bench", "eu", store, Path.Combine(work, "blobs"))]);
            var chat = registry.Get("bench");
            var plan = new DataMapPlanner(map, "bench", await StoreSchema.LoadAsync(chat.DataSource, ct)).Access(IdentityKind.UserId, BenchStore.Person.ToString(CultureInfo.InvariantCulture));

            // Baseline: COPY of each read the package holds, bound to the same keys, to a file.
            var copy = Stopwatch.StartNew();
            var copied = await CopyAsync(plan, chat, Path.Combine(work, "copy.txt"), ct);
            copy.Stop();

            var export = Stopwatch.StartNew();
            IReadOnlyList<PackageEntry> entries;
            await using (var file = new FileStream(Path.Combine(work, "package.gpkg"), FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
            await using (var encrypting = PackageCipher.Encrypting(file, RandomNumberGenerator.GetBytes(32), leaveOpen: true))
            {
                entries = await PackageWriter.WriteAsync(plan, chat, new PackageWriter.Source("DSR-BENCH", "bench", "eu", DateTimeOffset.UtcNow), encrypting, ct);
            }

            export.Stop();
            var rows = entries.Where(e => e.Rows is not null && e.Name.EndsWith(".jsonl", StringComparison.Ordinal)).Sum(e => e.Rows!.Value);
            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
            var exportRate = rows / export.Elapsed.TotalSeconds;
            var copyRate = copied / copy.Elapsed.TotalSeconds;
            output.WriteLine($"COPY to a file   : {copied:N0} rows in {copy.Elapsed.TotalSeconds:F1} s = {copyRate:N0} rows/s (one text copy of each read)");
            output.WriteLine($"package (console): {rows:N0} rows in {export.Elapsed.TotalSeconds:F1} s = {exportRate:N0} rows/s (JSON Lines and CSV of each read, {entries.Count(e => e.Name.StartsWith("files/", StringComparison.Ordinal)):N0} files, ZIP, AES-256-GCM; {new FileInfo(Path.Combine(work, "package.gpkg")).Length / 1048576.0:N0} MiB)");
            output.WriteLine($"peak working set of this process: {peak:N0} MiB");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"export_rows_per_s={exportRate:F0} copy_rows_per_s={copyRate:F0} ratio={exportRate / copyRate:F2} peak_rss_mb={peak:F0}"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await PostgresAdmin.DropDatabaseAsync(store, CancellationToken.None);
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>Binds the plan's key sets as the package does, then COPYs every read the package writes to one file; returns the rows.</summary>
    private static async Task<long> CopyAsync(Plan plan, ChatStore store, string path, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        var session = new PlanSession(plan, connection, null);
        await session.SetupAsync(ct);
        long rows = 0;
        await using var file = new StreamWriter(path);
        foreach (var step in plan.Steps)
        {
            if (step.Role is StepRole.Find or StepRole.Keys)
            {
                await using var command = session.Command(step, step.Sql);
                var (keys, _) = await PlanSession.ReadAsync(command, ct);
                session.Yield(step.Produces!, keys, strict: false);
            }
            else if (step.Role is StepRole.Own or StepRole.PointsAtPerson or StepRole.Context)
            {
                // COPY takes no parameters: the key sets are written into the statement as array literals.
                var sql = step.Sql;
                foreach (var name in PlanStep.ParametersOf(sql).OrderByDescending(n => n.Length))
                {
                    sql = sql.Replace("@" + name, Literal(session.Bound[name]), StringComparison.Ordinal);
                }

                using var reader = await connection.BeginTextExportAsync($"copy ({sql}) to stdout", ct);
                string? line;
                while ((line = await reader.ReadLineAsync(ct)) is not null)
                {
                    await file.WriteLineAsync(line);
                    rows++;
                }
            }
        }

        return rows;
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        long[] a => $"array[{string.Join(",", a)}]::bigint[]",
        Array a => "array[" + string.Join(",", a.Cast<object?>().Select(v => "'" + Convert.ToString(v, CultureInfo.InvariantCulture)!.Replace("'", "''", StringComparison.Ordinal) + "'")) + "]::text[]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };
}
