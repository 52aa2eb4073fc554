using System.CommandLine;
using System.Globalization;
using Governance.Core.Retention;

namespace Governance.Web.CommandLine;

/// <summary>
/// <c>./gov retention rules</c>: the rules in force, as the policy files state them; <c>./gov retention preview
/// [--rule NAME]</c>: what the next run of each rule would remove, per store, with what holds keep (nothing changed);
/// <c>./gov retention run --rule NAME</c>: runs a rule now (or resumes its unfinished runs).
/// </summary>
internal static class RetentionCommands
{
    internal static Command Retention()
    {
        var retention = new Command("retention", "Retention schedules: the rules in force and what their next runs would remove.");

        var rules = new Command("rules", "The retention rules in force (policies/retention), with the rule that governs each scope.");
        rules.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var policy = services.GetRequiredService<RetentionCatalog>().Load();
            if (!policy.Valid)
            {
                throw new InvalidOperationException($"The retention rules have {policy.Problems.Count} problems; run './gov policies validate'.");
            }

            foreach (var r in policy.Rules.OrderBy(r => r.Collection, StringComparer.Ordinal).ThenBy(r => r.Specificity))
            {
                Console.WriteLine($"{r.Name,-28} {r.Collection,-18} {r.ScopeText,-28} after {r.Age.Words,-12} {RetentionRule.ActionCode(r.Action),-20} cron '{r.Schedule}'{(r.NeedsApproval ? ", each run approved" : "")}");
            }

            Console.WriteLine($"{policy.Rules.Count} rules in force.");
            return 0;
        }, ct));
        retention.Add(rules);

        var rule = new Option<string?>("--rule") { Description = "Only this rule (default: every rule)" };
        var preview = new Command("preview", "What each rule's next run would remove, per store: rows past the age in its scope, rows a legal hold keeps, the oldest ones (ids and dates only). Changes nothing.") { rule };
        preview.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var results = await services.GetRequiredService<RetentionPreview>().RunAsync(parse.GetValue(rule), token);
            foreach (var r in results)
            {
                Console.WriteLine(r.Problem is not null
                    ? $"{r.Rule} in {r.Store}: not previewed ({r.Problem})."
                    : string.Create(CultureInfo.InvariantCulture,
                        $"{r.Rule} in {r.Store} ({r.Region}): {r.Removed:N0} {r.Collection} rows dated before {r.Cutoff:yyyy-MM-dd HH:mm} UTC would go, {r.Held:N0} kept by legal holds{(r.GoWithThem.Count > 0 ? $"; with them: {string.Join(", ", r.GoWithThem)}" : "")}."));
                foreach (var (key, at) in r.Sample)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {r.Collection} {key}  {at:yyyy-MM-dd HH:mm} UTC"));
                }
            }

            return results.Any(r => r.Problem is not null) ? 1 : 0;
        }, ct));
        retention.Add(preview);

        var runRule = new Option<string>("--rule") { Description = "The rule to run", Required = true };
        var run = new Command("run", "Run a rule now in every store it covers, in this process (or resume its unfinished runs, a killed process's included); a rule that needs approval waits for it on the Retention page.") { runRule };
        run.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var purge = services.GetRequiredService<RetentionPurge>();
            var name = parse.GetValue(runRule)!;
            var open = await purge.RunsAsync("rule = @name and state in ('approved', 'running')", new { name }, token);
            var ids = open.Count > 0 ? open.Select(r => r.Id).ToList() : await purge.ScheduleAsync(name, GovernanceCommandLine.CliActor, token);
            var failed = false;
            foreach (var id in ids)
            {
                var r = (await purge.RunsAsync("id = @id", new { id }, token)).Single();
                if (r.State == "awaiting-approval")
                {
                    Console.WriteLine($"{r.Rule} in {r.Store}: waits for a privacy officer's approval on the Retention page; nothing deleted.");
                    continue;
                }

                var done = await purge.RunAsync(id, GovernanceCommandLine.CliActor, token);
                if (done is null)
                {
                    Console.WriteLine($"{r.Rule} in {r.Store}: another process is running it now; nothing done here.");
                    continue;
                }

                failed |= done.State != "done";
                Console.WriteLine(done.State == "done"
                    ? string.Create(CultureInfo.InvariantCulture, $"{done.Rule} in {done.Store}: {done.RowsRemoved:N0} {done.Collection} rows removed in {done.Batches:N0} batches, {done.RowsHeld:N0} kept by legal holds, {done.RowsKeptForDependants:N0} kept for a held dependant, {done.FilesRemoved:N0} files removed.")
                    : $"{done.Rule} in {done.Store}: failed ({done.Problem}); run it again to resume.");
            }

            await services.GetRequiredService<Governance.Core.Audit.AuditSealer>().SealAllAsync(token);
            return failed ? 1 : 0;
        }, ct));
        retention.Add(run);
        return retention;
    }
}
