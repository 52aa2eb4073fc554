using System.CommandLine;

namespace Governance.Web.CommandLine;

/// <summary><c>./gov bench</c>: benchmarks that print their figures (ratios to a baseline run in the same process).</summary>
internal static class BenchCommands
{
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

        var root = new Command("bench", "Benchmarks that print their figures.");
        root.Add(bench);
        root.Add(requests);
        root.Add(report);
        return root;
    }
}
