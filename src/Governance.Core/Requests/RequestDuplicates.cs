using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Validation;

namespace Governance.Core.Requests;

/// <summary>Other requests of the same person and kind, and what the law says about repeats.</summary>
/// <param name="Related">Open requests, and those received within 12 months either side, of the same person and kind.</param>
/// <param name="Separate">The ids of those staff have decided are separate requests.</param>
/// <param name="EarlierToKnow">For CCPA requests to know: the earlier ones of the same person in the 12 months before this one that were not refused, withdrawn or closed as duplicates.</param>
public sealed record RequestRepeats(IReadOnlyList<RelatedRequest> Related, IReadOnlySet<Guid> Separate, IReadOnlyList<RelatedRequest> EarlierToKnow)
{
    /// <summary>A CCPA request to know after two others in 12 months: the business may refuse it (Civ. Code §§ 1798.100(d), 1798.130(b)).</summary>
    public bool BeyondTwoInTwelveMonths => EarlierToKnow.Count >= 2;
}

/// <summary>
/// Finds other requests of the same person: by the e-mail, phone or chat user id typed in, and by the accounts the
/// stores' search found (kept with each request), so that a request by e-mail and one by user id of the same account
/// are matched. Staff decide "duplicate" (a transition, closed with a link) or "separate" (recorded with a reason).
/// </summary>
public sealed class RequestDuplicates(GovernanceDatabase database, AuditLog audit, TimeProvider time)
{
    /// <summary>The CCPA "requests to know" (Civ. Code §§ 1798.110, 1798.115): access and portability.</summary>
    public static readonly string[] ToKnow = ["access", "portability"];

    public async Task<RequestRepeats> FindAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var me = await connection.QuerySingleOrDefaultAsync<(string Regime, string Type, DateTime ReceivedAt)?>(new CommandDefinition(
            "select regime, type, received_at from gov.requests where id = @id", new { id }, cancellationToken: ct))
            ?? throw new KeyNotFoundException($"No request {id}.");
        var types = ToKnow.Contains(me.Type) ? ToKnow : [me.Type];

        // The person's identities: what was typed in, and every account the store search found (store, id).
        var rows = await connection.QueryAsync<(Guid Id, string Reference, string Type, string State, DateTime ReceivedOn, DateTime ReceivedAt, string Match)>(new CommandDefinition("""
            with me as (select subject_email, subject_phone, subject_user_id from gov.requests where id = @id),
            accounts as (select store, person_id from gov.request_search_accounts where request_id = @id),
            candidates as (
                select o.id, o.reference, o.type, o.state, o.received_on, o.received_at,
                    case
                        when me.subject_email is not null and lower(o.subject_email) = lower(me.subject_email) then 'email'
                        when me.subject_phone is not null and o.subject_phone = me.subject_phone then 'phone'
                        when me.subject_user_id is not null and o.subject_user_id = me.subject_user_id then 'user-id'
                        when o.subject_user_id in (select person_id from accounts) then 'account'
                        when exists (select 1 from gov.request_search_accounts a
                                     where a.request_id = o.id
                                       and ((a.store, a.person_id) in (select store, person_id from accounts) or a.person_id = me.subject_user_id)) then 'account'
                    end as match
                from gov.requests o cross join me
                where o.id <> @id and o.regime = @regime and o.type = any(@types) and o.anonymised_at is null
                  and (o.state <> all(@closed) or o.received_at between @receivedAt - interval '12 months' and @receivedAt + interval '12 months')
            )
            select id, reference, type, state, received_on, received_at, match from candidates where match is not null
            order by received_at, reference
            """, new { id, regime = me.Regime, receivedAt = me.ReceivedAt, types, closed = RequestStateMachine.FinalStates }, cancellationToken: ct));
        var related = rows.Select(r => (Request: new RelatedRequest(r.Id, r.Reference, r.Type, Enum.Parse<RequestState>(r.State), DateOnly.FromDateTime(r.ReceivedOn), r.Match), At: DbTime.Utc(r.ReceivedAt))).ToList();
        var separate = (await connection.QueryAsync<Guid>(new CommandDefinition(
            "select other_id from gov.request_separate where request_id = @id union select request_id from gov.request_separate where other_id = @id",
            new { id }, cancellationToken: ct))).ToHashSet();

        var receivedAt = DbTime.Utc(me.ReceivedAt);
        var earlier = me.Regime == "ccpa" && ToKnow.Contains(me.Type)
            ? related.Where(r => r.At < receivedAt && r.At >= receivedAt.AddMonths(-12)
                    && r.Request.State is not (RequestState.Denied or RequestState.Withdrawn or RequestState.Duplicate))
                .Select(r => r.Request).ToList()
            : [];
        return new RequestRepeats(related.Select(r => r.Request).ToList(), separate, earlier);
    }

    /// <summary>
    /// At intake, before a request exists: the open requests, and those received in the last 12 months, of whoever has
    /// this e-mail (any case), phone or user id, typed in or found by an earlier request's store search. References and
    /// states only.
    /// </summary>
    public async Task<IReadOnlyList<RelatedRequest>> ByIdentitiesAsync(string? email, string? phone, string? userId, CancellationToken ct)
    {
        (email, phone, userId) = (Input.Blank(email), Input.Blank(phone), Input.Blank(userId));
        if (email is null && phone is null && userId is null)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(Guid Id, string Reference, string Type, string State, DateTime ReceivedOn, string Match)>(new CommandDefinition("""
            select o.id, o.reference, o.type, o.state, o.received_on,
                case
                    when @email::text is not null and lower(o.subject_email) = lower(@email::text) then 'email'
                    when @phone::text is not null and o.subject_phone = @phone::text then 'phone'
                    when @userId::text is not null and o.subject_user_id = @userId::text then 'user-id'
                    else 'account'
                end
            from gov.requests o
            where o.anonymised_at is null and (o.state <> all(@closed) or o.received_at > @since)
              and ((@email::text is not null and lower(o.subject_email) = lower(@email::text))
                or (@phone::text is not null and o.subject_phone = @phone::text)
                or (@userId::text is not null and o.subject_user_id = @userId::text)
                or (@userId::text is not null and exists (select 1 from gov.request_search_accounts a where a.request_id = o.id and a.person_id = @userId::text)))
            order by o.received_at desc, o.reference limit 20
            """, new { email, phone, userId, closed = RequestStateMachine.FinalStates, since = time.GetUtcNow().AddMonths(-12) }, cancellationToken: ct));
        return rows.Select(r => new RelatedRequest(r.Id, r.Reference, r.Type, Enum.Parse<RequestState>(r.State), DateOnly.FromDateTime(r.ReceivedOn), r.Match)).ToList();
    }

    /// <summary>Records that <paramref name="id"/> and <paramref name="otherId"/> are separate requests, with the reason on the timeline.</summary>
    public async Task MarkSeparateAsync(Guid id, Guid otherId, string? reason, AuditActor actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
        {
            throw ValidationException.For("separate", "reason", "Say why the two requests are separate (at most 2,000 characters).");
        }

        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var state = await RequestWork.MustExistAsync(connection, tx, id, ct);
        var other = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select reference from gov.requests where id = @otherId and id <> @id", new { otherId, id }, tx, cancellationToken: ct))
            ?? throw ValidationException.For("separate", "otherId", "Name another request of this console.");
        var added = await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.request_separate (request_id, other_id, decided_at, decided_by) values (@id, @otherId, @at, @actor)
            on conflict do nothing
            """, new { id, otherId, at = time.GetUtcNow(), actor = actor.Id }, tx, cancellationToken: ct));
        if (added == 0)
        {
            await tx.RollbackAsync(ct);
            return; // decided already: nothing new to record
        }

        await RequestWork.RecordAsync(connection, tx, id, state, "Separate", $"Separate from {other}: {reason.Trim()}", actor, time.GetUtcNow(), ct);
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.separate", AuditOutcome.Success, "request", id.ToString("D"), id.ToString("D"),
            new Dictionary<string, object?> { ["other"] = otherId.ToString("D") }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }
}
