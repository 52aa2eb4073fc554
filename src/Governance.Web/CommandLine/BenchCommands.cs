using System.CommandLine;

namespace Governance.Web.CommandLine;

/// <summary><c>./gov bench</c>: benchmarks that print their figures (ratios to a baseline run in the same process).</summary>
internal static class BenchCommands
{
    /// <summary>The owner's connection (benchmarks make scratch databases) and the reference map 'chat' the store benchmarks run through.</summary>
    private static async Task<(string Admin, Governance.Core.DataMap.DataMapDocument Map)> ReferenceMapAsync(CancellationToken ct)
    {
        var configuration = GovernanceConfiguration.ForCommandLine();
        var resolver = GovernanceCommandLine.Resolver(configuration);
        var connections = await resolver.ResolveAsync(resolver.EmbeddedOptions.AutoStart, ct);
        var folder = new Governance.Core.DataMap.DataMapOptions { Directory = configuration["DataMap:Directory"] ?? "" }.ResolveDirectory();
        var set = Governance.Core.DataMap.DataMapLoader.LoadDirectory(folder);
        var map = set.Maps.FirstOrDefault(m => m.Name == "chat")
            ?? throw new InvalidOperationException($"The benchmark runs through the reference map 'chat', which {folder} does not hold{(set.Valid ? "" : $" ({set.Problems[0]})")}.");
        return (connections.GovernanceAdmin, map);
    }

    internal static Command Bench()
    {
        var entries = new Option<int>("--entries") { Description = "Entries in the verification and review benchmarks", DefaultValueFactory = _ => 1_000_000 };
        var appends = new Option<int>("--appends") { Description = "Entries appended by the concurrent writers", DefaultValueFactory = _ => 8_000 };
        var bench = new Command("audit", "Benchmark the audit log on a scratch database: append throughput, verification, review queries.") { entries, appends };
        bench.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var resolver = GovernanceCommandLine.Resolver(GovernanceConfiguration.ForCommandLine());
            var connections = await resolver.ResolveAsync(resolver.EmbeddedOptions.AutoStart, token);
            await Governance.Core.Audit.Benchmark.AuditBenchmark.RunAsync(connections.GovernanceAdmin, parse.GetValue(entries), parse.GetValue(appends), Console.Out, token);
            return 0;
        }, ct));

        var count = new Option<int>("--count") { Description = "Requests in the list benchmark", DefaultValueFactory = _ => 100_000 };
        var requests = new Command("requests", "Benchmark the request list on a scratch database: p95 per filter.") { count };
        requests.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var resolver = GovernanceCommandLine.Resolver(GovernanceConfiguration.ForCommandLine());
            var connections = await resolver.ResolveAsync(resolver.EmbeddedOptions.AutoStart, token);
            await Governance.Core.Requests.Benchmark.RequestListBenchmark.RunAsync(connections.GovernanceAdmin, parse.GetValue(count), Console.Out, token);
            return 0;
        }, ct));

        var pages = new Option<int>("--pages") { Description = "Pages of the report", DefaultValueFactory = _ => 1_000 };
        var report = new Command("report", "Benchmark the PDF report layer: an audit extract of about this many pages, time per page against a baseline a tenth of its size.") { pages };
        report.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(token =>
        {
            token.ThrowIfCancellationRequested();
            Governance.Jobs.Reports.Benchmark.ReportBenchmark.Run(parse.GetValue(pages), Console.Out);
            return Task.FromResult(0);
        }, ct));

        var messages = new Option<int>("--messages") { Description = "Messages in the store", DefaultValueFactory = _ => 5_000_000 };
        var personMessages = new Option<int>("--person-messages") { Description = "Of them, the erased person's (in group conversations)", DefaultValueFactory = _ => 1_000_000 };
        var batch = new Option<int>("--batch") { Description = "Rows per committed batch of the erasure", DefaultValueFactory = _ => 2_000 };
        var writers = new Option<int>("--writers") { Description = "Connections inserting messages throughout", DefaultValueFactory = _ => 2 };
        var erase = new Command("erase", "Benchmark erasure against hand-written set-based SQL on an identical copy, both under a concurrent insert load: rows per second and insert p99.")
        {
            messages, personMessages, batch, writers,
        };
        erase.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var (admin, map) = await ReferenceMapAsync(token);
            await Governance.Core.Erasure.Benchmark.ErasureBenchmark.RunAsync(admin, map, parse.GetValue(messages), parse.GetValue(personMessages),
                parse.GetValue(batch), parse.GetValue(writers), Console.Out, token);
            return 0;
        }, ct));

        var exportMessages = new Option<int>("--messages") { Description = "Messages in the store", DefaultValueFactory = _ => 2_000_000 };
        var exportPerson = new Option<int>("--person-messages") { Description = "Of them, the person's", DefaultValueFactory = _ => 1_000_000 };
        var export = new Command("export", "Benchmark a person's access package against COPY of the same reads to a file: rows per second and peak memory.")
        {
            exportMessages, exportPerson,
        };
        export.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var (admin, map) = await ReferenceMapAsync(token);
            await Governance.Core.Exports.Benchmark.ExportBenchmark.RunAsync(admin, map, parse.GetValue(exportMessages), parse.GetValue(exportPerson), Console.Out, token);
            return 0;
        }, ct));

        var purgeMessages = new Option<int>("--messages") { Description = "Messages in the store, one second apart; half are past the rule's age", DefaultValueFactory = _ => 10_000_000 };
        var purgeWriters = new Option<int>("--writers") { Description = "Connections inserting messages throughout", DefaultValueFactory = _ => 2 };
        var pause = new Option<double>("--pause") { Description = "Pause after each batch, as a multiple of the batch's time (Retention:PauseFactor)", DefaultValueFactory = _ => new Governance.Core.Retention.RetentionOptions().PauseFactor };
        var target = new Option<int>("--target-ms") { Description = "The time a batch aims at (Retention:TargetBatchMs)", DefaultValueFactory = _ => new Governance.Core.Retention.RetentionOptions().TargetBatchMs };
        var purge = new Command("purge", "Benchmark the retention purge against a single DELETE on an identical copy, both under a concurrent insert load: rows per second and insert p99.")
        {
            purgeMessages, purgeWriters, pause, target,
        };
        purge.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var (admin, _) = await ReferenceMapAsync(token);
            var configuration = GovernanceConfiguration.ForCommandLine();
            var folder = new Governance.Core.DataMap.DataMapOptions { Directory = configuration["DataMap:Directory"] ?? "" }.ResolveDirectory();
            await Governance.Core.Retention.Benchmark.PurgeBenchmark.RunAsync(admin, folder, parse.GetValue(purgeMessages), parse.GetValue(purgeWriters),
                new Governance.Core.Retention.RetentionOptions { PauseFactor = parse.GetValue(pause), TargetBatchMs = parse.GetValue(target) }, Console.Out, token);
            return 0;
        }, ct));

        var root = new Command("bench", "Benchmarks that print their figures.");
        root.Add(erase);
        root.Add(purge);
        root.Add(export);
        root.Add(bench);
        root.Add(requests);
        root.Add(report);
        return root;
    }
}
