using System.CommandLine;
using Governance.Core.Audit;
using Governance.Core.Erasure;

namespace Governance.Web.CommandLine;

/// <summary>
/// <c>./gov erasure run|status --request REF</c>: runs an approved erasure request in this process (or resumes one
/// that stopped, a killed process included), and shows where a request's erasure stands, store by store;
/// <c>./gov erasure replay --store S --since T</c>: applies the ledger again after a store is restored from a backup.
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

        var store = new Option<string>("--store") { Description = "The chat store restored from a backup (e.g. eu)", Required = true };
        var since = new Option<string>("--since") { Description = "When the backup was taken (ISO 8601, e.g. 2026-11-30T02:00Z): every erasure from then on is applied again", Required = true };
        var replay = new Command("replay", "After a chat store is restored from a backup: apply again every erasure made since the backup was taken, and report what it changed.") { store, since };
        replay.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var from = DateTimeOffset.TryParse(parse.GetValue(since), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : throw new ArgumentException($"--since must be a time as yyyy-MM-ddTHH:mmZ (got '{parse.GetValue(since)}').");
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var result = await services.GetRequiredService<ErasureReplay>().ReplayAsync(parse.GetValue(store)!, from, GovernanceCommandLine.CliActor, token);
            foreach (var e in result.Entries)
            {
                Console.WriteLine(e.Found
                    ? $"ledger entry {e.Entry} (erased {e.ErasedAt:yyyy-MM-dd HH:mm} UTC): erased again, {e.Changed:N0} rows changed{(e.Held > 0 ? $", {e.Held:N0} kept under legal hold" : "")}"
                    : $"ledger entry {e.Entry} (erased {e.ErasedAt:yyyy-MM-dd HH:mm} UTC): the person is not in the restored store; nothing to do");
            }

            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine($"Replayed {result.Entries.Count:N0} ledger entries on {result.Store} since {result.Since.UtcDateTime:yyyy-MM-dd HH:mm} UTC: " +
                $"{result.Entries.Count(e => e.Found):N0} people found again, {result.Changed:N0} rows changed (replay {result.Id}).");
            return 0;
        }, ct));
        erasure.Add(replay);
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
