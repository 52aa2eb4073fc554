using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Validation;
using Microsoft.Extensions.Options;

namespace Governance.Core.Erasure;

/// <summary>How a request's erasure ended: completed, completed in part (held rows kept), or failed, with the per-store runs.</summary>
public sealed record ErasureOutcome(RequestState State, bool InPart, string Summary, IReadOnlyList<StoreErasureResult> Stores);

/// <summary>A request's erasure in every store where the person is: checked and started by a person, run (and resumed) by a job.</summary>
public sealed class RequestErasure(
    GovernanceDatabase database,
    PersonLocator locator,
    DataMapCatalog maps,
    IOptions<DataMapOptions> mapOptions,
    StoreErasure runner,
    TransitionRequest transitions,
    AuditLog audit)
{
    /// <summary>
    /// Checks everything an erasure needs before anything changes (an approved erasure request, valid maps, the
    /// pseudonym key, every store reachable, the person found in at least one) and moves the request to Processing.
    /// A refusal changes nothing, is audited, and says why (a <see cref="ValidationException"/> naming the field).
    /// </summary>
    public async Task StartAsync(Guid requestId, AuditActor actor, CancellationToken ct)
    {
        try
        {
            if (actor.Type == AuditActorType.User && !actor.Roles.Any(r => r is Governance.Core.Security.Roles.Legal or Governance.Core.Security.Roles.PrivacyOfficer))
            {
                throw ValidationException.For("request", "actor", "Only Legal or a privacy officer starts an erasure.");
            }

            var request = await RequestAsync(requestId, ct) ?? throw new KeyNotFoundException("No such request.");
            if (request.Type != "erasure")
            {
                throw ValidationException.For("request", "type", $"This is a request of type {request.Type}: only erasure requests are erased.");
            }

            if (request.State is not (nameof(RequestState.Approved) or nameof(RequestState.Failed)))
            {
                throw ValidationException.For("request", "state", $"The request is {request.State}: only an approved request is erased (or a failed erasure resumed).");
            }

            var located = await LocateAsync(request, ct);
            if (!located.Any(l => l.Found))
            {
                throw ValidationException.For("request", "person", "The person was not found in any chat store by the identities the request gives: nothing to erase.");
            }
        }
        catch (Exception ex) when (ex is ValidationException or KeyNotFoundException or InvalidOperationException)
        {
            await audit.AppendAsync(new AuditRecord(actor, "erasure.start", AuditOutcome.Denied, "request", requestId.ToString("D"), requestId.ToString("D"),
                new Dictionary<string, object?> { ["reason"] = ex is ValidationException v ? string.Join(",", v.Errors.Keys) : ex.GetType().Name }), ct);
            throw;
        }

        var resuming = (await RequestAsync(requestId, ct))!.State == nameof(RequestState.Failed);
        await transitions.ExecuteAsync(resuming
            ? new TransitionCommand(requestId, RequestAction.Retry, "Erasure resumed from its checkpoint")
            : new TransitionCommand(requestId, RequestAction.StartProcessing, "Erasure started"), actor, ct);
    }

    /// <summary>
    /// Runs (or resumes) the erasure of a request in Processing in every store, then completes it (in part where holds
    /// kept rows) or fails it with the reason. Safe to run again: a finished store is not touched twice.
    /// </summary>
    public async Task<ErasureOutcome> RunAsync(Guid requestId, AuditActor actor, CancellationToken ct)
    {
        // One run per request at a time, whichever worker or process runs it: a second run stops at once and says so.
        // The lock is the session's: a killed process's lock goes with its connection.
        await using var gate = await database.OpenAsync(ct);
        var key = new { id = "erasure:" + requestId.ToString("D") };
        if (!await gate.ExecuteScalarAsync<bool>(new CommandDefinition("select pg_try_advisory_lock(hashtextextended(@id, 0))", key, cancellationToken: ct)))
        {
            throw new InvalidOperationException("This request's erasure is already running in another worker.");
        }

        try
        {
            return await RunLockedAsync(requestId, actor, ct);
        }
        finally
        {
            await gate.ExecuteAsync(new CommandDefinition("select pg_advisory_unlock(hashtextextended(@id, 0))", key, cancellationToken: CancellationToken.None));
        }
    }

    private async Task<ErasureOutcome> RunLockedAsync(Guid requestId, AuditActor actor, CancellationToken ct)
    {
        var request = await RequestAsync(requestId, ct) ?? throw new KeyNotFoundException("No such request.");
        if (request.State != nameof(RequestState.Processing))
        {
            throw new InvalidTransitionException($"The request is {request.State}: an erasure runs only while the request is Processing.");
        }

        var problems = new List<string>();
        IReadOnlyList<Place> located;
        try
        {
            located = await LocateAsync(request, ct);
        }
        catch (ValidationException ex)
        {
            // What was checked at the start no longer holds (a store went away, a map stopped validating): nothing changed this time.
            var stopped = $"Erasure stopped before any change: {ex.Messages()}";
            await transitions.ExecuteAsync(new TransitionCommand(requestId, RequestAction.Fail, stopped), actor, ct);
            return new ErasureOutcome(RequestState.Failed, false, stopped, await runner.ResultsAsync(requestId, ct));
        }

        foreach (var place in located)
        {
            try
            {
                if (place.Problem is not null)
                {
                    throw new InvalidOperationException(place.Problem);
                }

                if (!place.Found)
                {
                    // Searched, and not there: recorded, so that the outcome (and its certificate) names every store.
                    await runner.RecordNotFoundAsync(requestId, place.Store.Name, place.Map!.Name, ct);
                    continue;
                }

                await runner.RunAsync(requestId, place.Store, place.Map!, place.Plan!, place.Kind, ct);
            }
            catch (Exception ex) when (ex is InvalidOperationException or Npgsql.NpgsqlException or IOException)
            {
                var reason = ex is Npgsql.PostgresException pg ? $"database error {pg.SqlState}" : ex is Npgsql.NpgsqlException ? "store unreachable" : ex.Message;
                await runner.RecordFailureAsync(requestId, place.Store.Name, reason, ct);
                problems.Add($"{place.Store.Name}: {reason}");
            }
        }

        var results = await runner.ResultsAsync(requestId, ct);
        problems.AddRange(results.Where(r => r.State == "failed" && r.Problem is not null && !problems.Any(p => p.StartsWith(r.Store + ":", StringComparison.Ordinal)))
            .Select(r => $"{r.Store}: {r.Problem}"));
        var held = results.Sum(r => r.Held);
        var changed = results.Sum(r => r.Changed);
        var inPart = held > 0;
        string summary;
        RequestState state;
        if (problems.Count > 0)
        {
            summary = $"Erasure stopped: {string.Join("; ", problems)}. Running it again resumes where it stopped.";
            state = await transitions.ExecuteAsync(new TransitionCommand(requestId, RequestAction.Fail, summary), actor, ct);
        }
        else
        {
            var where = string.Join(", ", results.Where(r => r.Found).Select(r => r.Store));
            summary = inPart
                ? $"Completed in part: {changed:N0} rows erased in {where}; {held:N0} rows kept under legal hold (listed in the erasure record)."
                : $"Completed: {changed:N0} rows erased in {where}; verified.";
            state = await transitions.ExecuteAsync(new TransitionCommand(requestId, RequestAction.Complete, summary), actor, ct);
            var (recipients, set) = await RecipientsAsync(requestId, ct);
            if (!set)
            {
                await using var connection = await database.OpenAsync(ct);
                await connection.ExecuteAsync(new CommandDefinition(
                    "update gov.requests set erasure_recipients = @list where id = @requestId and erasure_recipients is null",
                    new { requestId, list = recipients.ToArray() }, cancellationToken: ct));
            }
        }

        await audit.AppendAsync(new AuditRecord(actor, "erasure.run", problems.Count > 0 ? AuditOutcome.Failure : AuditOutcome.Success, "request",
            requestId.ToString("D"), requestId.ToString("D"), new Dictionary<string, object?>
            {
                ["stores"] = results.Where(r => r.Found).Select(r => r.Store).ToArray(),
                ["changed"] = changed,
                ["held"] = held,
                ["files"] = results.Sum(r => r.Steps.Sum(s => s.FilesRemoved)),
                ["verified"] = results.All(r => r.Verified == true),
                ["inPart"] = inPart,
            }), ct);
        return new ErasureOutcome(state, inPart, summary, results);
    }

    private sealed record Place(ChatStore Store, DataMapDocument? Map, Plan? Plan, IdentityKind Kind, bool Found, string? Problem);

    /// <summary>For every store: its map, and the erasure plan by the first identity that finds the person there.</summary>
    private async Task<IReadOnlyList<Place>> LocateAsync(RequestSubject request, CancellationToken ct)
    {
        Pseudonyms pseudonyms;
        try
        {
            pseudonyms = Pseudonyms.FromSetting(mapOptions.Value.PseudonymKey);
        }
        catch (InvalidOperationException ex)
        {
            throw ValidationException.For("settings", "DataMap:PseudonymKey", ex.Message);
        }

        var (set, located) = await locator.LocateAsync(request, ct);
        var places = located.Select(p => p.Found
            ? new Place(p.Store, p.Map, new DataMapPlanner(p.Map, p.Store.Name, p.Schema).Erase(p.Kind!.Value, p.Value!, pseudonyms), p.Kind.Value, true, null)
            : new Place(p.Store, p.Map, null, IdentityKind.UserId, false, null)).ToList();

        // A run that began with one identity resumes with it, even if that identity no longer finds the person (an
        // e-mail already pseudonymised): its key sets were written before anything changed.
        return await ResumedAsync(request, places, set, pseudonyms, ct);
    }

    private async Task<IReadOnlyList<Place>> ResumedAsync(RequestSubject request, List<Place> places, DataMapSet set, Pseudonyms pseudonyms, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var runs = (await connection.QueryAsync<(string Store, string Kind, string State)>(new CommandDefinition(
            "select store, identity_kind, state from gov.erasure_runs where request_id = @id", new { id = request.Id }, cancellationToken: ct))).ToList();
        var result = new List<Place>();
        foreach (var place in places)
        {
            var run = runs.FirstOrDefault(r => r.Store == place.Store.Name);
            if (run.Store is null || run.Kind == "-")
            {
                result.Add(place); // not begun, or searched and not found (a finished run of its own)
                continue;
            }

            var kind = Enum.GetValues<IdentityKind>().First(k => NameStyle.Kebab(k) == run.Kind);
            var value = request.Identities.FirstOrDefault(i => i.Kind == kind).Value;
            var map = set.Maps.First(m => m.Stores.Contains(place.Store.Name));
            var schema = await StoreSchema.LoadAsync(place.Store.DataSource, ct);
            result.Add(new Place(place.Store, map, new DataMapPlanner(map, place.Store.Name, schema).Erase(kind, value ?? "", pseudonyms), kind, true, null));
        }

        return result;
    }

    public const int MaxRecipients = 50;

    /// <summary>
    /// The recipients the erasure is communicated to (GDPR Art. 19): as set for the request, or else the recipients
    /// the data maps declare for the collections the person's data was erased from (all declared ones before a run).
    /// </summary>
    public async Task<(IReadOnlyList<string> Recipients, bool Set)> RecipientsAsync(Guid requestId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var stored = await connection.ExecuteScalarAsync<string[]?>(new CommandDefinition(
            "select erasure_recipients from gov.requests where id = @requestId", new { requestId }, cancellationToken: ct));
        if (stored is not null)
        {
            return (stored, true);
        }

        var touched = (await connection.QueryAsync<(string Map, string Collection)>(new CommandDefinition("""
            select distinct r.map, s.collection from gov.erasure_runs r join gov.erasure_steps s on s.run_id = r.id
            where r.request_id = @requestId and r.replay_id is null and (s.changed > 0 or s.held > 0 or s.files_removed > 0)
            """, new { requestId }, cancellationToken: ct))).ToHashSet();
        var set = maps.Load();
        var declared = set.Maps.SelectMany(m => m.Collections.Where(c => touched.Count == 0 || touched.Contains((m.Name, c.Name))).SelectMany(c => c.Recipients));
        return (declared.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), false);
    }

    /// <summary>Sets the recipients told of the erasure; each named in 1 to 200 characters, at most <see cref="MaxRecipients"/>; audited.</summary>
    public async Task SetRecipientsAsync(Guid requestId, IReadOnlyList<string> recipients, AuditActor actor, CancellationToken ct)
    {
        var list = recipients.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (list.Count > MaxRecipients || list.Any(r => r.Length > 200))
        {
            throw ValidationException.For("erasure", "recipients", $"Name at most {MaxRecipients} recipients, each in at most 200 characters.");
        }

        await using var connection = await database.OpenAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "update gov.requests set erasure_recipients = @list where id = @requestId and type = 'erasure'", new { requestId, list = list.ToArray() }, cancellationToken: ct));
        if (updated == 0)
        {
            throw new KeyNotFoundException("No such erasure request.");
        }

        await audit.AppendAsync(new AuditRecord(actor, "erasure.recipients", AuditOutcome.Success, "request", requestId.ToString("D"), requestId.ToString("D"),
            new Dictionary<string, object?> { ["recipients"] = list.ToArray() }), ct);
    }

    /// <summary>A request's id and state by its reference (DSR-...), or null.</summary>
    public async Task<(Guid Id, string State)?> FindAsync(string reference, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(Guid, string)?>(new CommandDefinition(
            "select id, state from gov.requests where reference = @reference", new { reference }, cancellationToken: ct));
        return row;
    }

    private Task<RequestSubject?> RequestAsync(Guid id, CancellationToken ct) => RequestSubject.LoadAsync(database, id, ct);
}
