using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Validation;

namespace Governance.Core.Requests;

public sealed record RequestNote(DateTimeOffset WrittenAt, string AuthorId, string Body);

public sealed record AttachmentInfo(Guid Id, DateTimeOffset UploadedAt, string UploadedBy, string Kind, string FileName, string ContentType, long SizeBytes, string Sha256);

/// <summary>One stop of a request's legal clock: why, from when to when, and the due date before and after.</summary>
public sealed record ClockStop(string Reason, DateOnly StoppedOn, string StoppedBy, DateOnly DueBefore, DateOnly? RestartedOn, string? RestartedBy, DateOnly? DueAfter);

/// <summary>Another request of the same person and type, with how it is linked to this one.</summary>
public sealed record RelatedRequest(Guid Id, string Reference, string Type, RequestState State, DateOnly ReceivedOn, string Match);

public sealed record ClientRequestStatus(string Reference, string State, DateOnly DueOn, DateOnly? AcknowledgeBy, string? DenialBasis, string? DenialReason = null);

/// <summary>Everything staff see about one request. This view holds the person's contact details: only the Requests roles reach it.</summary>
public sealed record RequestDetail(
    Guid Id,
    string Reference,
    string Regime,
    string Type,
    RequestState State,
    string Channel,
    string? Email,
    string? Phone,
    string? UserId,
    bool AuthorisedAgent,
    string? AgentName,
    string? AgentEvidence,
    string? StaffNote,
    DateTimeOffset ReceivedAt,
    DateOnly ReceivedOn,
    DateOnly DueOn,
    DateOnly? ExtendedDueOn,
    DateOnly? AcknowledgeBy,
    bool IdentityVerified,
    string? VerificationMethod,
    string? VerifiedBy,
    DateTimeOffset? VerifiedAt,
    string? VerificationNote,
    string? AssigneeId,
    string? ClosedReason,
    string? LegalBasis,
    RequestState? HeldFrom,
    IReadOnlyList<RequestEvent> Timeline,
    IReadOnlyList<RequestNote> Notes,
    IReadOnlyList<AttachmentInfo> Attachments,
    DateOnly? ClockStoppedOn = null,
    int StoppedDays = 0,
    string? DenialReason = null,
    Guid? DuplicateOf = null,
    string? DuplicateOfReference = null,
    IReadOnlyList<ClockStop>? ClockStops = null,
    decimal? FeeAmount = null,
    string? FeeCurrency = null,
    string? FeeReason = null)
{
    public DateOnly EffectiveDueOn => ExtendedDueOn ?? DueOn;

    /// <summary>Whether the legal clock runs: not once the request is closed, nor while it is stopped.</summary>
    public bool ClockRunning => !RequestStateMachine.IsFinal(State) && State != RequestState.ClockStopped;

    public bool IsOverdue(DateOnly today) => EffectiveDueOn < today && ClockRunning;

    /// <summary>The actions the workflow allows now (the guards may still refuse one, with a reason).</summary>
    public IReadOnlyList<RequestAction> PossibleActions =>
        RequestStateMachine.Allowed.Keys.Where(k => k.From == State).Select(k => k.Action).Distinct().Order().ToList();
}

/// <summary>
/// The work around a request besides its transitions: reading it whole, assigning it, internal notes. Every change
/// is audited (codes only: the note's text stays in the request's record, never in the audit log).
/// </summary>
public sealed class RequestWork(GovernanceDatabase database, AuditLog audit, TimeProvider time)
{
    public const int MaxNote = 4000;

    /// <summary>
    /// Records the reasonable fee asked of the person for a manifestly unfounded or excessive request, with the reasons,
    /// where the request's regime allows fees (<c>fees</c> in the regulations file); refused otherwise, nothing written.
    /// </summary>
    public async Task AskFeeAsync(Guid id, Regime? regime, decimal? amount, string? currency, string? reason, AuditActor actor, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (regime is not { Fees: true })
        {
            errors["fee"] = "The law of this request allows no fee.";
        }
        else
        {
            if (amount is not (> 0 and <= 100_000))
            {
                errors["amount"] = "Give the amount (more than 0, at most 100,000).";
            }

            if (currency is null || !System.Text.RegularExpressions.Regex.IsMatch(currency, "^[A-Z]{3}$"))
            {
                errors["currency"] = "Give the currency's ISO 4217 code (EUR, USD, CNY).";
            }

            if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
            {
                errors["reason"] = "Give the reasons for the fee (1 to 2,000 characters).";
            }
        }

        ValidationException.ThrowIfAny("fee", errors);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var state = await MustExistAsync(connection, tx, id, ct);
        if (RequestStateMachine.IsFinal(Enum.Parse<RequestState>(state)))
        {
            throw ValidationException.For("fee", "fee", "The request is closed: no fee can be asked.");
        }

        var now = time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(
            "update gov.requests set fee_amount = @amount, fee_currency = @currency, fee_reason = @reason, fee_asked_at = @now where id = @id",
            new { id, amount, currency, reason = reason!.Trim(), now }, tx, cancellationToken: ct));
        await RecordAsync(connection, tx, id, state, "Fee", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Fee of {amount:0.00} {currency} asked: {reason.Trim()}"), actor, now, ct);
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.fee", AuditOutcome.Success, "request", id.ToString("D"), id.ToString("D"),
            new Dictionary<string, object?> { ["amount"] = amount, ["currency"] = currency }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }

    /// <summary>
    /// The request as a member of staff opens it, audited as <c>request.view</c> (the request holds the person's
    /// contact details). Views by the same person of the same request within a minute are one entry (a page is
    /// rendered twice as it becomes interactive).
    /// </summary>
    public async Task<RequestDetail?> ViewAsync(Guid id, AuditActor actor, CancellationToken ct)
    {
        var detail = await GetAsync(id, ct);
        if (detail is null)
        {
            return null;
        }

        await using var connection = await database.OpenAsync(ct);
        var recent = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            select exists (select 1 from gov.audit_log where request_id = @request and action = 'request.view' and actor_id = @actor
                           and occurred_at > @since)
            """, new { request = id.ToString("D"), actor = actor.Id, since = time.GetUtcNow().AddMinutes(-1) }, cancellationToken: ct));
        if (!recent)
        {
            await audit.AppendAsync(new AuditRecord(actor, "request.view", AuditOutcome.Success, "request", id.ToString("D"), id.ToString("D")), ct);
        }

        return detail;
    }

    public async Task<RequestDetail?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var r = await connection.QuerySingleOrDefaultAsync<DetailRow>(new CommandDefinition("""
            select id, reference, regime, type, state, channel, subject_email as email, subject_phone as phone, subject_user_id as userid,
                   authorised_agent as agent, agent_name as agentname, agent_evidence as agentevidence, staff_note as staffnote,
                   received_at as receivedat, received_on as receivedon, due_on as dueon, extended_due_on as extendeddueon, acknowledge_by as acknowledgeby,
                   identity_verified as verified, verification_method as verificationmethod, verified_by as verifiedby, verified_at as verifiedat,
                   verification_note as verificationnote, assignee_id as assigneeid, closed_reason as closedreason, legal_basis as legalbasis, held_from as heldfrom,
                   clock_stopped_on as clockstoppedon, stopped_days as stoppeddays, denial_reason as denialreason, duplicate_of as duplicateof,
                   (select o.reference from gov.requests o where o.id = r.duplicate_of) as duplicateofreference,
                   fee_amount as feeamount, fee_currency as feecurrency, fee_reason as feereason
            from gov.requests r where id = @id
            """, new { id }, cancellationToken: ct));
        if (r is null)
        {
            return null;
        }

        var events = await TransitionRequest.TimelineAsync(connection, id, ct);
        var notes = (await connection.QueryAsync<(DateTime At, string Author, string Body)>(new CommandDefinition(
            "select written_at, author_id, body from gov.request_notes where request_id = @id order by id",
            new { id }, cancellationToken: ct))).Select(n => new RequestNote(DbTime.Utc(n.At), n.Author, n.Body)).ToList();
        var files = (await connection.QueryAsync<(Guid Id, DateTime At, string By, string Kind, string Name, string Type, long Size, byte[] Hash)>(new CommandDefinition(
            "select id, uploaded_at, uploaded_by, kind, file_name, content_type, size_bytes, sha256 from gov.request_attachments where request_id = @id order by uploaded_at, id",
            new { id }, cancellationToken: ct))).Select(f => new AttachmentInfo(f.Id, DbTime.Utc(f.At), f.By, f.Kind, f.Name, f.Type, f.Size, Convert.ToHexStringLower(f.Hash))).ToList();

        var stops = (await connection.QueryAsync<ClockStopRow>(new CommandDefinition("""
            select reason, stopped_on as stoppedon, stopped_by as stoppedby, due_before as duebefore, restarted_on as restartedon, restarted_by as restartedby, due_after as dueafter
            from gov.request_clock_stops where request_id = @id order by id
            """, new { id }, cancellationToken: ct))).Select(c => new ClockStop(c.Reason, c.StoppedOn, c.StoppedBy, c.DueBefore, c.RestartedOn, c.RestartedBy, c.DueAfter)).ToList();

        return new RequestDetail(r.Id, r.Reference, r.Regime, r.Type, Enum.Parse<RequestState>(r.State), r.Channel, r.Email, r.Phone, r.UserId,
            r.Agent, r.AgentName, r.AgentEvidence, r.StaffNote, DbTime.Utc(r.ReceivedAt), r.ReceivedOn, r.DueOn, r.ExtendedDueOn, r.AcknowledgeBy,
            r.Verified, r.VerificationMethod, r.VerifiedBy, DbTime.Utc(r.VerifiedAt), r.VerificationNote, r.AssigneeId, r.ClosedReason, r.LegalBasis,
            r.HeldFrom is null ? null : Enum.Parse<RequestState>(r.HeldFrom), events, notes, files,
            r.ClockStoppedOn, r.StoppedDays, r.DenialReason, r.DuplicateOf, r.DuplicateOfReference, stops, r.FeeAmount, r.FeeCurrency, r.FeeReason);
    }

    /// <summary>What an API client may learn of a request it submitted itself (null for any other): codes and dates, never the person.</summary>
    public async Task<ClientRequestStatus?> StatusForClientAsync(Guid id, long clientId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(string Reference, string State, DateOnly DueOn, DateOnly? Ack, string? Closed, string? Reason)?>(new CommandDefinition(
            "select reference, state, coalesce(extended_due_on, due_on), acknowledge_by, case when state = 'Denied' then legal_basis end, case when state = 'Denied' then denial_reason end from gov.requests where id = @id and client_id = @clientId",
            new { id, clientId }, cancellationToken: ct));
        return row is { } r ? new ClientRequestStatus(r.Reference, r.State, r.DueOn, r.Ack, r.Closed, r.Reason) : null;
    }

    /// <summary>Assigns the request to a member of staff (an actor id from <see cref="StaffDirectory"/>), or unassigns it with null.</summary>
    public async Task AssignAsync(Guid id, string? assigneeId, AuditActor actor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (assigneeId is not null)
        {
            // Only someone whose roles let them open requests may be given one (an Auditor may not).
            var roles = await connection.ExecuteScalarAsync<string[]?>(new CommandDefinition(
                "select roles from gov.staff where actor_id = @assigneeId", new { assigneeId }, tx, cancellationToken: ct))
                ?? throw ValidationException.For("assignment", "assignee", "Not a known member of staff (people appear after their first sign-in).");
            if (!roles.Any(StaffDirectory.RequestRoles.Contains))
            {
                throw ValidationException.For("assignment", "assignee", "This person's roles do not let them work on requests.");
            }
        }

        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "update gov.requests set assignee_id = @assigneeId where id = @id returning state", new { id, assigneeId }, tx, cancellationToken: ct))
            ?? throw new KeyNotFoundException($"No request {id}.");
        await RecordAsync(connection, tx, id, state, "Assign", assigneeId is null ? "Unassigned" : $"Assigned to {assigneeId}", actor, time.GetUtcNow(), ct);

        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.assign", AuditOutcome.Success, "request", id.ToString("D"), id.ToString("D"),
            new Dictionary<string, object?> { ["assignee"] = assigneeId }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }

    /// <summary>Adds an internal note (never shown to the person, never in the audit log's details).</summary>
    public async Task AddNoteAsync(Guid id, string body, AuditActor actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body) || body.Length > MaxNote)
        {
            throw ValidationException.For("note", "note", $"Write between 1 and {MaxNote:N0} characters.");
        }

        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var current = await MustExistAsync(connection, tx, id, ct);
        await RecordAsync(connection, tx, id, current, "Note", "Internal note added", actor, time.GetUtcNow(), ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "insert into gov.request_notes (request_id, written_at, author_id, body) values (@id, @at, @author, @body)",
            new { id, at = time.GetUtcNow(), author = actor.Id, body = body.Trim() }, tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.note", AuditOutcome.Success, "request", id.ToString("D"), id.ToString("D")), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }

    /// <summary>The request's state, or a refusal when it does not exist (inside the caller's transaction, before anything is written).</summary>
    internal static async Task<string> MustExistAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, Guid id, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select state from gov.requests where id = @id", new { id }, tx, cancellationToken: ct))
        ?? throw new KeyNotFoundException($"No request {id}.");

    /// <summary>
    /// Puts work that does not change the state (assignment, a note, an attachment) on the request's timeline, so that
    /// the timeline shows everything that happened; the note's text itself stays with the notes.
    /// </summary>
    internal static Task RecordAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, Guid id, string state, string action, string summary, AuditActor actor, DateTimeOffset at, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "insert into gov.request_events (request_id, occurred_at, actor_id, action, from_state, to_state, reason) values (@id, @at, @actor, @action, @state, @state, @summary)",
            new { id, at, actor = actor.Id, action, state, summary }, tx, cancellationToken: ct));


    private sealed record DetailRow(
        Guid Id, string Reference, string Regime, string Type, string State, string Channel, string? Email, string? Phone, string? UserId,
        bool Agent, string? AgentName, string? AgentEvidence, string? StaffNote, DateTime ReceivedAt, DateOnly ReceivedOn, DateOnly DueOn,
        DateOnly? ExtendedDueOn, DateOnly? AcknowledgeBy, bool Verified, string? VerificationMethod, string? VerifiedBy, DateTime? VerifiedAt,
        string? VerificationNote, string? AssigneeId, string? ClosedReason, string? LegalBasis, string? HeldFrom,
        DateOnly? ClockStoppedOn, int StoppedDays, string? DenialReason, Guid? DuplicateOf, string? DuplicateOfReference,
        decimal? FeeAmount, string? FeeCurrency, string? FeeReason);

    private sealed record ClockStopRow(string Reason, DateOnly StoppedOn, string StoppedBy, DateOnly DueBefore, DateOnly? RestartedOn, string? RestartedBy, DateOnly? DueAfter);
}
