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
    string? VerificationNote = null);

public sealed record RequestEvent(DateTimeOffset OccurredAt, string ActorId, string Action, string From, string To, string Reason);

/// <summary>
/// Moves a request through its workflow: the row is locked, the state machine decides, the new state, the
/// timeline event and the audit entry are written in one transaction. A refused transition writes nothing.
/// </summary>
public sealed class TransitionRequest(GovernanceDatabase database, AuditLog audit, TimeProvider time)
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
        var row = await connection.QuerySingleOrDefaultAsync<(string State, bool Verified, DateTime DueOn, DateTime? ExtendedDueOn, string? HeldFrom)?>(new CommandDefinition(
            "select state, identity_verified, due_on, extended_due_on, held_from from gov.requests where id = @id for update",
            new { id = command.RequestId }, tx, cancellationToken: ct))
            ?? throw new KeyNotFoundException($"No request {command.RequestId}.");
        var from = Enum.Parse<RequestState>(row.State);
        var to = RequestStateMachine.Next(from, command.Action, new TransitionInput(
            command.Reason,
            command.LegalBasis,
            command.NewDueDate,
            command.PersonToldOn,
            IdentityVerified: row.Verified || command.Action == RequestAction.Verify,
            AlreadyExtended: row.ExtendedDueOn is not null,
            CurrentDueDate: DateOnly.FromDateTime(row.DueOn),
            HeldFrom: row.HeldFrom is null ? null : Enum.Parse<RequestState>(row.HeldFrom)));

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
                closed_reason = case when @to in ('Denied', 'Withdrawn', 'Completed') then @reason else closed_reason end,
                legal_basis = coalesce(@legalBasis, legal_basis)
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
            legalBasis = command.Action == RequestAction.Deny ? command.LegalBasis : null,
        }, tx, cancellationToken: ct));

        var details = new Dictionary<string, object?>
        {
            ["method"] = command.VerificationMethod,
            ["newDueDate"] = command.NewDueDate,
            ["personToldOn"] = command.PersonToldOn,
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
            new Dictionary<string, object?> { ["action"] = command.Action, ["from"] = from, ["to"] = to, ["newDueDate"] = command.NewDueDate }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return to;
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
