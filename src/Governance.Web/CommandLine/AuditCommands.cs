using System.CommandLine;
using Governance.Core.Audit;
using Governance.Core.Database;

namespace Governance.Web.CommandLine;

/// <summary><c>./gov audit</c>: the audit log's hash chain.</summary>
internal static class AuditCommands
{
    internal static Command Audit()
    {
        var from = new Option<string?>("--from") { Description = "First chain position, or a date yyyy-MM-dd (entries sealed from that day)" };
        var to = new Option<string?>("--to") { Description = "Last chain position, or a date yyyy-MM-dd (entries sealed before the next day)" };
        var verify = new Command("verify", "Verify the audit log's hash chain; exit 4 and name the first bad position when it is broken.") { from, to };
        verify.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var database = services.GetRequiredService<GovernanceDatabase>();
            var first = await AuditPositions.ResolveAsync(database, parse.GetValue(from), "--from", isEnd: false, token);
            var last = await AuditPositions.ResolveAsync(database, parse.GetValue(to), "--to", isEnd: true, token);
            if (first is { } f && last is { } l && f > l)
            {
                throw new ArgumentException("--from comes after --to.");
            }

            var result = await services.GetRequiredService<VerifyAuditChain>().RunAsync(GovernanceCommandLine.CliActor, first, last, token);
            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine($"{result.Summary} ({result.Checked:N0} positions checked in {result.Elapsed.TotalSeconds:F2} s)");
            if (!result.Intact)
            {
                Console.WriteLine($"First bad position: {result.FirstBadPosition} ({result.Problem}).");
                return 4;
            }

            return 0;
        }, ct));

        var audit = new Command("audit", "The audit log.");
        audit.Add(verify);
        return audit;
    }
}
