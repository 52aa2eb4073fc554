using System.Globalization;
using System.Text.Json;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Validation;

namespace Governance.Core.Requests;

/// <summary>What a person asks to do to a request, with what the state machine's guards need.</summary>
public sealed record TransitionCommand(
    Guid RequestId,
    RequestAction Action,
    string Reason,
    string? LegalBasis = null,
    string? VerificationMethod = null,
    DateOnly? NewDueDate = null,
    DateOnly? PersonToldOn = null,
    string? VerificationNote = null,
    string? PauseReason = null,
    DateOnly? On = null,
    string? DenialReason = null,
    Guid? DuplicateOf = null);

public sealed record RequestEvent(DateTimeOffset OccurredAt, string ActorId, string Action, string From, string To, string Reason);

/// <summary>
/// Moves a request through its workflow: the row is locked, the state machine decides, the new state, the
/// timeline event and the audit entry are written in one transaction. A refused transition writes nothing.
/// </summary>
public sealed class TransitionRequest(GovernanceDatabase database, AuditLog audit, TimeProvider time, RegulationsCatalog regulations)
{
    public static readonly string[] VerificationMethods = ["signed-in", "email-code", "document-check"];

    public async Task<RequestState> ExecuteAsync(TransitionCommand command, AuditActor actor, CancellationToken ct)
    {
        if (command.Action == RequestAction.Verify && (command.VerificationMethod is null || !VerificationMethods.Contains(command.VerificationMethod)))
        {
            throw ValidationException.For("transition", "verificationMethod", $"Verification needs its method: {string.Join(", ", VerificationMethods)}.");
        }

        if (command.VerificationNote is { Length: > 2000 })
        {
            throw ValidationException.For("transition", "verificationNote", "The verification evidence note is longer than 2,000 characters.");
        }

        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Current>(new CommandDefinition("""
            select state, identity_verified as verified, due_on as dueon, extended_due_on as extendeddueon, held_from as heldfrom, regime,
                   received_on as receivedon, clock_stopped_on as clockstoppedon, stopped_days as stoppeddays, type, reference
            from gov.requests where id = @id for update
            """, new { id = command.RequestId }, tx, cancellationToken: ct))
            ?? throw new KeyNotFoundException($"No request {command.RequestId}.");
        var regime = regulations.Find(row.Regime) ?? throw new InvalidOperationException($"The request's regime '{row.Regime}' is no longer in the regulations file.");
        var from = Enum.Parse<RequestState>(row.State);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), regime.TimeZone).DateTime);
        if (command.Action is RequestAction.ApplyRestriction or RequestAction.UpholdObjection or RequestAction.RecordDone && RequestStateMachine.CarriedOutBy(row.Type) != command.Action)
        {
            throw new InvalidTransitionException(command.Action switch
            {
                RequestAction.ApplyRestriction => "Only a restriction request is carried out by applying a restriction.",
                RequestAction.UpholdObjection => "Only an objection is carried out by upholding it.",
                _ => "This request is carried out by the console's own job or step, not recorded by hand.",
            });
        }

        if (command.DuplicateOf is { } original)
        {
            await CheckDuplicateOfAsync(connection, tx, command.RequestId, original, ct);
        }

        var to = RequestStateMachine.Next(from, command.Action, new TransitionInput(
            command.Reason,
            command.LegalBasis,
            command.NewDueDate,
            command.PersonToldOn,
            IdentityVerified: row.Verified || command.Action == RequestAction.Verify,
            AlreadyExtended: row.ExtendedDueOn is not null,
            CurrentDueDate: row.ExtendedDueOn ?? row.DueOn,
            HeldFrom: row.HeldFrom is null ? null : Enum.Parse<RequestState>(row.HeldFrom),
            AllowedPauses: regime.Pauses,
            PauseReason: command.PauseReason,
            On: command.On,
            ReceivedOn: row.ReceivedOn,
            Today: today,
            ClockStoppedOn: row.ClockStoppedOn,
            DenialReasons: RefusalReasons.For(regime.Code).Select(r => r.Code).ToList(),
            DenialReason: command.DenialReason,
            DuplicateOfGiven: command.DuplicateOf is not null));

        var legalBasis = command.Action == RequestAction.Deny && RefusalReasons.Find(regime.Code, command.DenialReason) is { } listed
            ? RefusalReasons.Cite(listed, command.LegalBasis)
            : null;
        (DateOnly Before, DateOnly? After)? clock = command.Action switch
        {
            RequestAction.StopClock => await StopClockAsync(connection, tx, command, row, actor, ct),
            RequestAction.RestartClock => await RestartClockAsync(connection, tx, command, row, regime, actor, ct),
            _ => ((DateOnly, DateOnly?)?)null,
        };
        if (command.Action is RequestAction.ApplyRestriction or RequestAction.UpholdObjection)
        {
            await Restrictions.ApplyAsync(connection, tx, command.RequestId, row.Reference, row.Type, audit, time.GetUtcNow(), actor, ct);
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            update gov.requests set
                state = @to,
                identity_verified = identity_verified or @verified,
                verification_method = coalesce(@method, verification_method),
                verified_by = case when @verified then @actor else verified_by end,
                verified_at = case when @verified then @at else verified_at end,
                verification_note = case when @verified then @note else verification_note end,
                extended_due_on = coalesce(@extendedDueOn, extended_due_on),
                held_from = case when @to = 'OnHold' then @from when @from = 'OnHold' then null else held_from end,
                closed_reason = case when @to = any(@final) then @reason else closed_reason end,
                legal_basis = coalesce(@legalBasis, legal_basis),
                denial_reason = coalesce(@denialReason, denial_reason),
                duplicate_of = coalesce(@duplicateOf, duplicate_of)
            where id = @id
            """, new
        {
            id = command.RequestId,
            to = to.ToString(),
            from = from.ToString(),
            verified = command.Action == RequestAction.Verify,
            method = command.Action == RequestAction.Verify ? command.VerificationMethod : null,
            actor = actor.Id,
            at = time.GetUtcNow(),
            note = string.IsNullOrWhiteSpace(command.VerificationNote) ? null : command.VerificationNote.Trim(),
            extendedDueOn = command.Action == RequestAction.Extend ? command.NewDueDate : null,
            reason = command.Reason,
            legalBasis,
            denialReason = command.Action == RequestAction.Deny ? command.DenialReason : null,
            duplicateOf = command.Action == RequestAction.CloseAsDuplicate ? command.DuplicateOf : null,
            final = RequestStateMachine.FinalStates,
        }, tx, cancellationToken: ct));

        var details = new Dictionary<string, object?>
        {
            ["method"] = command.VerificationMethod,
            ["newDueDate"] = command.NewDueDate,
            ["personToldOn"] = command.PersonToldOn,
            ["pauseReason"] = command.Action == RequestAction.StopClock ? command.PauseReason : null,
            ["on"] = command.On,
            ["denialReason"] = command.Action == RequestAction.Deny ? command.DenialReason : null,
            ["legalBasis"] = legalBasis,
            ["duplicateOf"] = command.Action == RequestAction.CloseAsDuplicate ? command.DuplicateOf : null,
            ["dueBefore"] = clock?.Before,
            ["dueAfter"] = clock?.After,
        }.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.request_events (request_id, occurred_at, actor_id, action, from_state, to_state, reason, details)
            values (@id, @at, @actor, @action, @from, @to, @reason, @details::jsonb)
            """, new
        {
            id = command.RequestId,
            at = time.GetUtcNow(),
            actor = actor.Id,
            action = command.Action.ToString(),
            from = from.ToString(),
            to = to.ToString(),
            reason = command.Reason,
            details = JsonSerializer.Serialize(details),
        }, tx, cancellationToken: ct));

        // The audit entry carries codes and dates only; the free-text reason stays in the request's own timeline.
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.transition", AuditOutcome.Success, "request", command.RequestId.ToString("D"), command.RequestId.ToString("D"),
            new Dictionary<string, object?>
            {
                ["action"] = command.Action, ["from"] = from, ["to"] = to, ["newDueDate"] = command.NewDueDate ?? clock?.After,
                ["denialReason"] = command.Action == RequestAction.Deny ? command.DenialReason : null,
                ["pauseReason"] = command.Action == RequestAction.StopClock ? command.PauseReason : null,
                ["duplicateOf"] = command.Action == RequestAction.CloseAsDuplicate ? command.DuplicateOf?.ToString("D") : null,
            }.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value)), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return to;
    }

    private sealed record Current(string State, bool Verified, DateOnly DueOn, DateOnly? ExtendedDueOn, string? HeldFrom, string Regime,
        DateOnly ReceivedOn, DateOnly? ClockStoppedOn, int StoppedDays, string Type, string Reference);

    /// <summary>The request named as the original must exist, be another request, and not itself be closed as a duplicate.</summary>
    private static async Task CheckDuplicateOfAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, Guid id, Guid original, CancellationToken ct)
    {
        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select state from gov.requests where id = @original", new { original }, tx, cancellationToken: ct));
        if (state is null || original == id)
        {
            throw ValidationException.For("transition", "duplicateOf", "Name another request of this console as the original.");
        }

        if (state == nameof(RequestState.Duplicate))
        {
            throw ValidationException.For("transition", "duplicateOf", "That request is itself closed as a duplicate: name the one it duplicates.");
        }
    }

    /// <summary>Records the stop (from the day the information was asked for); the due date is unknown until the clock runs again.</summary>
    private async Task<(DateOnly Before, DateOnly? After)> StopClockAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, TransitionCommand command,
        Current row, AuditActor actor, CancellationToken ct)
    {
        var before = row.ExtendedDueOn ?? row.DueOn;
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.request_clock_stops (request_id, reason, stopped_on, stopped_by, due_before) values (@id, @reason, @on, @actor, @before);
            update gov.requests set clock_stopped_on = @on where id = @id;
            """, new { id = command.RequestId, reason = command.PauseReason, on = command.On, actor = actor.Id, before }, tx, cancellationToken: ct));
        return (before, null);
    }

    /// <summary>Closes the stop and moves the due dates on by the days it took off the clock.</summary>
    private async Task<(DateOnly Before, DateOnly? After)> RestartClockAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, TransitionCommand command,
        Current row, Regime regime, AuditActor actor, CancellationToken ct)
    {
        var stoppedOn = row.ClockStoppedOn ?? throw new InvalidOperationException("The request's clock is not recorded as stopped.");
        var lost = DeadlineCalculator.DaysLost(regime, stoppedOn, command.On!.Value);
        var before = row.ExtendedDueOn ?? row.DueOn;
        var answer = DeadlineCalculator.AnswerAfterStops(regime, row.ReceivedOn, row.StoppedDays + lost);
        DateOnly? extended = row.ExtendedDueOn is { } e ? DeadlineCalculator.ExtendedAfterStop(regime, e, lost) : null;
        await connection.ExecuteAsync(new CommandDefinition("""
            update gov.request_clock_stops set restarted_on = @on, restarted_by = @actor, due_after = @after where request_id = @id and restarted_on is null;
            update gov.requests set clock_stopped_on = null, stopped_days = stopped_days + @lost, due_on = @dueOn, due_at = @dueAt, extended_due_on = @extended where id = @id;
            """, new
        {
            id = command.RequestId, on = command.On, actor = actor.Id, after = extended ?? answer.LastDay, lost,
            dueOn = answer.LastDay, dueAt = answer.EndsAt.ToUniversalTime(), extended,
        }, tx, cancellationToken: ct));
        return (before, extended ?? answer.LastDay);
    }

    public async Task<IReadOnlyList<RequestEvent>> TimelineAsync(Guid requestId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await TimelineAsync(connection, requestId, ct);
    }

    /// <summary>The request's timeline in order, on the caller's connection (the request page reads it with the rest).</summary>
    internal static async Task<IReadOnlyList<RequestEvent>> TimelineAsync(Npgsql.NpgsqlConnection connection, Guid requestId, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<(DateTime At, string Actor, string Action, string From, string To, string Reason)>(new CommandDefinition(
            "select occurred_at, actor_id, action, from_state, to_state, reason from gov.request_events where request_id = @requestId order by id",
            new { requestId }, cancellationToken: ct));
        return rows.Select(r => new RequestEvent(DbTime.Utc(r.At), r.Actor, r.Action, r.From, r.To, r.Reason)).ToList();
    }
}
