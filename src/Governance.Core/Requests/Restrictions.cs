using System.Globalization;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Validation;
using Npgsql;

namespace Governance.Core.Requests;

/// <summary>An account a flag covers; <paramref name="Store"/> null means the user id in every store.</summary>
public sealed record FlaggedAccount(string? Store, string UserId);

/// <summary>A restriction of processing or an upheld objection, as staff and the chat system see it (ids only, no contact details).</summary>
public sealed record RestrictionFlag(Guid Id, string Kind, string RequestReference, DateTimeOffset AppliedAt, string AppliedBy, DateTimeOffset? LiftedAt, string? LiftedBy,
    string? LiftReason, DateOnly? PersonToldOn, string? HoldReference, DateTimeOffset ChangedAt, IReadOnlyList<FlaggedAccount> Accounts)
{
    public bool InForce => LiftedAt is null;
}

/// <summary>A page of the feed of flags changed after a point, and where the next page starts.</summary>
public sealed record RestrictionFeed(IReadOnlyList<RestrictionFlag> Flags, DateTimeOffset? Next);

/// <summary>
/// Restrictions of processing (GDPR Art. 18) and upheld objections (Art. 21): real flags on the person's accounts that
/// the chat system reads through the API, applied by the request's transition (ApplyRestriction, UpholdObjection).
/// A restriction keeps the data: it places a legal hold on the accounts, so erasure and retention skip them; lifting
/// it needs the day the person was told (Art. 18(3)) and releases the hold.
/// </summary>
public sealed class Restrictions(GovernanceDatabase database, AuditLog audit, TimeProvider time)
{
    public const int MaxFeed = 500;

    /// <summary>The accounts of a request: those its store search found, and the user id it gave (in every store).</summary>
    internal static async Task<IReadOnlyList<FlaggedAccount>> AccountsOfAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid requestId, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<(string? Store, string UserId)>(new CommandDefinition("""
            select store, person_id from gov.request_search_accounts where request_id = @requestId
            union
            select null, subject_user_id from gov.requests where id = @requestId and subject_user_id is not null
            """, new { requestId }, tx, cancellationToken: ct));
        return rows.Select(r => new FlaggedAccount(r.Store, r.UserId)).Distinct().ToList();
    }

    /// <summary>Records the flag in the caller's transaction (the request's transition); a restriction also places its hold.</summary>
    internal static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid requestId, string reference, string kind, AuditLog audit, DateTimeOffset now,
        AuditActor actor, CancellationToken ct)
    {
        var accounts = await AccountsOfAsync(connection, tx, requestId, ct);
        if (accounts.Count == 0)
        {
            throw ValidationException.For("transition", "accounts", "Search the chat stores first: the flag applies to the accounts found there (or to the user id the request gives).");
        }

        Guid? holdId = null;
        if (kind == "restriction")
        {
            holdId = Guid.CreateVersion7(now);
            var number = await connection.ExecuteScalarAsync<long>(new CommandDefinition("select nextval('gov.legal_hold_number_seq')", transaction: tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition("""
                insert into gov.legal_holds (id, reference, matter, created_at, created_by) values (@holdId, @holdReference, @matter, @now, @by);
                insert into gov.legal_hold_scope (hold_id, kind, store, value, added_at) select @holdId, 'user', a.store, a.user_id, @now
                    from unnest(@stores::text[], @users::text[]) as a(store, user_id);
                """, new
            {
                holdId, holdReference = string.Create(CultureInfo.InvariantCulture, $"HOLD-{now:yyyy}-{number:D4}"),
                matter = $"Restriction of processing, request {reference} (GDPR Art. 18)", now, by = actor.Id,
                stores = accounts.Select(a => a.Store).ToArray(), users = accounts.Select(a => a.UserId).ToArray(),
            }, tx, cancellationToken: ct));
        }

        var id = Guid.CreateVersion7(now);
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.restrictions (id, request_id, kind, hold_id, applied_at, applied_by, changed_at) values (@id, @requestId, @kind, @holdId, @now, @by, @now);
            insert into gov.restriction_accounts (restriction_id, store, user_id) select @id, a.store, a.user_id from unnest(@stores::text[], @users::text[]) as a(store, user_id);
            """, new { id, requestId, kind, holdId, now, by = actor.Id, stores = accounts.Select(a => a.Store).ToArray(), users = accounts.Select(a => a.UserId).ToArray() },
            tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, $"{kind}.apply", AuditOutcome.Success, "restriction", id.ToString("D"), requestId.ToString("D"),
            new Dictionary<string, object?> { ["accounts"] = accounts.Count, ["hold"] = holdId?.ToString("D") }.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value)), ct);
    }

    /// <summary>Lifts a restriction once the person has been told (GDPR Art. 18(3)); its hold is released with it.</summary>
    public async Task LiftAsync(Guid requestId, string? reason, DateOnly? personToldOn, AuditActor actor, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
        {
            errors["reason"] = "Give the reason for lifting (1 to 2,000 characters).";
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (personToldOn is not { } told || told > today)
        {
            errors["personToldOn"] = "Art. 18(3): give the day the person was told, before the restriction is lifted (not after today).";
        }

        ValidationException.ThrowIfAny("restriction", errors);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        var lifted = await connection.QuerySingleOrDefaultAsync<(Guid Id, Guid? HoldId)?>(new CommandDefinition("""
            update gov.restrictions set lifted_at = @now, lifted_by = @by, lift_reason = @reason, person_told_on = @told, changed_at = @now
            where request_id = @requestId and kind = 'restriction' and lifted_at is null returning id, hold_id
            """, new { requestId, now, by = actor.Id, reason = reason!.Trim(), told = personToldOn }, tx, cancellationToken: ct))
            ?? throw ValidationException.For("restriction", "restriction", "No restriction in force for this request.");
        if (lifted.HoldId is { } holdId)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "update gov.legal_holds set released_at = @now, released_by = @by, release_reason = 'Restriction of processing lifted' where id = @holdId and released_at is null",
                new { holdId, now, by = actor.Id }, tx, cancellationToken: ct));
        }

        var state = await RequestWork.MustExistAsync(connection, tx, requestId, ct);
        await RequestWork.RecordAsync(connection, tx, requestId, state, "LiftRestriction", $"Restriction lifted (person told on {personToldOn:yyyy-MM-dd}): {reason.Trim()}", actor, now, ct);
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "restriction.lift", AuditOutcome.Success, "restriction", lifted.Id.ToString("D"), requestId.ToString("D"),
            new Dictionary<string, object?> { ["personToldOn"] = personToldOn }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }

    /// <summary>The flag a request applied, if any.</summary>
    public async Task<RestrictionFlag?> ForRequestAsync(Guid requestId, CancellationToken ct) =>
        (await ReadAsync("r.request_id = @requestId", new { requestId }, ct)).FirstOrDefault();

    /// <summary>
    /// The flags applied or lifted at or after <paramref name="since"/> (all of them without it), oldest change first, at
    /// most <see cref="MaxFeed"/>; the chat system asks again from <see cref="RestrictionFeed.Next"/>. The bound is
    /// inclusive, so that two changes at the same instant are never split across pages and lost: the changes at exactly
    /// <c>Next</c> come again, and a change is known by its flag's id and time (applying one twice changes nothing).
    /// </summary>
    public async Task<RestrictionFeed> ChangedSinceAsync(DateTimeOffset? since, CancellationToken ct)
    {
        var flags = await ReadAsync("(@since::timestamptz is null or r.changed_at >= @since::timestamptz)", new { since = since?.ToUniversalTime() }, ct, MaxFeed);
        return new RestrictionFeed(flags, flags.Count == 0 ? since : flags[^1].ChangedAt);
    }

    private async Task<IReadOnlyList<RestrictionFlag>> ReadAsync(string where, object args, CancellationToken ct, int limit = 1)
    {
        await using var connection = await database.OpenAsync(ct);
        var parameters = new DynamicParameters(args);
        parameters.Add("limit", limit);
        var rows = (await connection.QueryAsync<FlagRow>(new CommandDefinition($"""
            select r.id, r.kind, q.reference as requestreference, r.applied_at as appliedat, r.applied_by as appliedby, r.lifted_at as liftedat, r.lifted_by as liftedby,
                   r.lift_reason as liftreason, r.person_told_on as persontoldon, h.reference as holdreference, r.changed_at as changedat
            from gov.restrictions r join gov.requests q on q.id = r.request_id left join gov.legal_holds h on h.id = r.hold_id
            where {where} order by r.changed_at, r.id limit @limit
            """, parameters, cancellationToken: ct))).ToList();
        var accounts = (await connection.QueryAsync<(Guid Id, string? Store, string UserId)>(new CommandDefinition(
            "select restriction_id, store, user_id from gov.restriction_accounts where restriction_id = any(@ids) order by store, user_id",
            new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: ct))).ToLookup(a => a.Id);
        return rows.Select(r => new RestrictionFlag(r.Id, r.Kind, r.RequestReference, DbTime.Utc(r.AppliedAt), r.AppliedBy, DbTime.Utc(r.LiftedAt), r.LiftedBy, r.LiftReason,
            r.PersonToldOn, r.HoldReference, DbTime.Utc(r.ChangedAt), accounts[r.Id].Select(a => new FlaggedAccount(a.Store, a.UserId)).ToList())).ToList();
    }

    private sealed record FlagRow(Guid Id, string Kind, string RequestReference, DateTime AppliedAt, string AppliedBy, DateTime? LiftedAt, string? LiftedBy, string? LiftReason,
        DateOnly? PersonToldOn, string? HoldReference, DateTime ChangedAt);
}
