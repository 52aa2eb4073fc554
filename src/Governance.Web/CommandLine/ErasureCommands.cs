using System.CommandLine;
using Governance.Core.Audit;
using Governance.Core.Erasure;

namespace Governance.Web.CommandLine;

/// <summary>
/// <c>./gov erasure run|status --request REF</c>: runs an approved erasure request in this process (or resumes one
/// that stopped, a killed process included), and shows where a request's erasure stands, store by store.
/// </summary>
internal static class ErasureCommands
{
    internal static Command Erasure()
    {
        var erasure = new Command("erasure", "Erase a person's data for an approved erasure request, and follow it.");

        var reference = new Option<string>("--request") { Description = "The request's reference (DSR-...)", Required = true };
        var run = new Command("run", "Run (or resume) the erasure of an approved request in every chat store, in committed batches; prints what was done.") { reference };
        run.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var requests = services.GetRequiredService<RequestErasure>();
            var (id, state) = await FindAsync(requests, parse.GetValue(reference)!, token);
            if (state != "Processing")
            {
                await requests.StartAsync(id, GovernanceCommandLine.CliActor, token);
            }

            var outcome = await requests.RunAsync(id, GovernanceCommandLine.CliActor, token);
            Print(outcome.Stores);
            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine(outcome.Summary);
            return outcome.State == Core.Requests.RequestState.Completed ? 0 : 1;
        }, ct));
        erasure.Add(run);

        var statusReference = new Option<string>("--request") { Description = "The request's reference (DSR-...)", Required = true };
        var status = new Command("status", "Where a request's erasure stands: per store, steps done, rows erased and kept under hold, files removed.") { statusReference };
        status.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var (id, state) = await FindAsync(services.GetRequiredService<RequestErasure>(), parse.GetValue(statusReference)!, token);
            var runs = await services.GetRequiredService<StoreErasure>().ResultsAsync(id, token);
            Console.WriteLine($"Request {parse.GetValue(statusReference)}: {state}.");
            Print(runs);
            return 0;
        }, ct));
        erasure.Add(status);
        return erasure;
    }

    private static async Task<(Guid Id, string State)> FindAsync(RequestErasure requests, string reference, CancellationToken ct) =>
        await requests.FindAsync(reference.Trim(), ct) ?? throw new ArgumentException($"--request: there is no request {reference}.");

    private static void Print(IReadOnlyList<StoreErasureResult> runs)
    {
        if (runs.Count == 0)
        {
            Console.WriteLine("No erasure has run for this request.");
        }

        foreach (var r in runs)
        {
            Console.WriteLine(r.Found
                ? $"{r.Store}: {r.State}; steps {r.Steps.Count(s => s.Done)} of {r.Steps.Count}; rows erased {r.Changed:N0}; kept under legal hold {r.Held:N0}; files removed {r.Steps.Sum(s => s.FilesRemoved):N0}; {(r.Verified == true ? "verified: nothing left" : r.Problem ?? "not verified yet")}"
                : $"{r.Store}: the person is not in this store.");
        }
    }
}
