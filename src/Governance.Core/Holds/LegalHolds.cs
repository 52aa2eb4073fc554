using System.Globalization;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Validation;

namespace Governance.Core.Holds;

public enum HoldScopeKind
{
    User,
    Conversation,
    Tenant,
}

/// <summary>One thing a hold covers: a chat user (custodian), a conversation or a tenant, by its id in the chat store; Store null means every store.</summary>
public sealed record HoldScope(HoldScopeKind Kind, string Value, string? Store = null)
{
    public string KindCode => Kind.ToString().ToLowerInvariant();
}

public sealed record NewHold(string? Matter, IReadOnlyList<HoldScope> Scope, DateTimeOffset? WindowFrom, DateTimeOffset? WindowTo, DateOnly? ReviewOn);

public sealed record LegalHold(
    Guid Id,
    string Reference,
    string Matter,
    DateTimeOffset? WindowFrom,
    DateTimeOffset? WindowTo,
    DateOnly? ReviewOn,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ReleasedAt,
    string? ReleasedBy,
    string? ReleaseReason,
    IReadOnlyList<HoldScope> Scope)
{
    public bool Active => ReleasedAt is null;
}

/// <summary>A row that erasure or retention is about to change, described by what a hold can cover.</summary>
public readonly record struct HoldProbe(string Store, string? UserId, string? ConversationId, string? TenantId, DateTimeOffset? CreatedAt);

/// <summary>
/// Legal holds: created, extended (more scope, a later review date, a wider window) and released, never deleted; every
/// change audited. <see cref="HeldAsync"/> answers, set-based, which of a batch of rows are held and by which hold, so
/// that erasure and retention skip them and say so.
/// </summary>
public sealed class LegalHolds(GovernanceDatabase database, AuditLog audit, TimeProvider time)
{
    public const int MaxScope = 10_000;

    public async Task<LegalHold> CreateAsync(NewHold hold, AuditActor actor, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(hold.Matter) || hold.Matter.Trim().Length > 200)
        {
            errors["matter"] = "Name the matter (1 to 200 characters).";
        }

        ValidateScope(hold.Scope, errors, required: true);
        ValidateWindow(hold.WindowFrom, hold.WindowTo, errors);
        ValidationException.ThrowIfAny("hold", errors);

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var number = await connection.ExecuteScalarAsync<long>(new CommandDefinition("select nextval('gov.legal_hold_number_seq')", transaction: tx, cancellationToken: ct));
        var reference = string.Create(CultureInfo.InvariantCulture, $"HOLD-{now:yyyy}-{number:D4}");
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.legal_holds (id, reference, matter, window_from, window_to, review_on, created_at, created_by)
            values (@id, @reference, @matter, @from, @to, @reviewOn, @now, @by)
            """, new { id, reference, matter = hold.Matter!.Trim(), from = hold.WindowFrom?.ToUniversalTime(), to = hold.WindowTo?.ToUniversalTime(), reviewOn = hold.ReviewOn, now, by = actor.Id },
            tx, cancellationToken: ct));
        var added = await AddScopeAsync(connection, tx, id, hold.Scope, now, ct);
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "hold.create", AuditOutcome.Success, "legal-hold", id.ToString("D"), null,
            new Dictionary<string, object?> { ["scope"] = added, ["windowFrom"] = hold.WindowFrom, ["windowTo"] = hold.WindowTo, ["reviewOn"] = hold.ReviewOn }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return (await GetAsync(id, ct))!;
    }

    /// <summary>Widens an active hold: more scope, a later review date, an earlier start or later end of its window. A hold never narrows: release it and create another.</summary>
    public async Task<LegalHold> ExtendAsync(Guid id, IReadOnlyList<HoldScope> moreScope, DateOnly? reviewOn, DateTimeOffset? windowFrom, DateTimeOffset? windowTo, string reason, AuditActor actor, CancellationToken ct)
    {
        var current = await GetAsync(id, ct) ?? throw new KeyNotFoundException($"No legal hold {id}.");
        var errors = new ValidationErrors();
        if (!current.Active)
        {
            errors["hold"] = "The hold was released; create a new one.";
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
        {
            errors["reason"] = "Give the reason (1 to 2,000 characters).";
        }

        ValidateScope(moreScope, errors, required: false);
        if (reviewOn is { } r && current.ReviewOn is { } was && r <= was)
        {
            errors["reviewOn"] = $"An extension moves the review date later than {was:yyyy-MM-dd}.";
        }

        if (windowFrom is { } f && (current.WindowFrom is null || f > current.WindowFrom))
        {
            errors["windowFrom"] = "An extension can only move the window's start earlier.";
        }

        if (windowTo is { } t && (current.WindowTo is null || t < current.WindowTo))
        {
            errors["windowTo"] = "An extension can only move the window's end later.";
        }

        if (moreScope.Count == 0 && reviewOn is null && windowFrom is null && windowTo is null)
        {
            errors["hold"] = "Nothing to extend: add scope, a later review date or a wider window.";
        }

        ValidationException.ThrowIfAny("hold", errors);

        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Never narrower, whatever else committed since the checks above: the row is compared as it is when locked
        // (a later review date, an earlier start, a later end win; an unbounded window stays unbounded).
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            update gov.legal_holds set
                review_on = greatest(review_on, @reviewOn),
                window_from = case when window_from is null then null else least(window_from, coalesce(@from, window_from)) end,
                window_to = case when window_to is null then null else greatest(window_to, coalesce(@to, window_to)) end
            where id = @id and released_at is null
            """, new { id, reviewOn, from = windowFrom?.ToUniversalTime(), to = windowTo?.ToUniversalTime() }, tx, cancellationToken: ct));
        if (changed == 0)
        {
            // Released by someone else since it was read: nothing is added (the transaction is not committed).
            throw ValidationException.For("hold", "hold", "The hold was released; create a new one.");
        }

        var added = await AddScopeAsync(connection, tx, id, moreScope, now, ct);
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "hold.extend", AuditOutcome.Success, "legal-hold", id.ToString("D"), null,
            new Dictionary<string, object?> { ["scopeAdded"] = added, ["reviewOn"] = reviewOn, ["windowFrom"] = windowFrom, ["windowTo"] = windowTo }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return (await GetAsync(id, ct))!;
    }

    public async Task ReleaseAsync(Guid id, string reason, AuditActor actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
        {
            throw ValidationException.For("hold", "reason", "Give the reason for the release (1 to 2,000 characters).");
        }

        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "update gov.legal_holds set released_at = @now, released_by = @by, release_reason = @reason where id = @id and released_at is null",
            new { id, now = time.GetUtcNow(), by = actor.Id, reason = reason.Trim() }, tx, cancellationToken: ct));
        if (changed == 0)
        {
            throw ValidationException.For("hold", "hold", "No active hold with this id.");
        }

        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "hold.release", AuditOutcome.Success, "legal-hold", id.ToString("D")), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }

    public async Task<LegalHold?> GetAsync(Guid id, CancellationToken ct) => (await ListAsync(includeReleased: true, id, ct)).FirstOrDefault();

    public Task<IReadOnlyList<LegalHold>> ListAsync(bool includeReleased, CancellationToken ct) => ListAsync(includeReleased, null, ct);

    private async Task<IReadOnlyList<LegalHold>> ListAsync(bool includeReleased, Guid? only, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var holds = (await connection.QueryAsync<(Guid Id, string Reference, string Matter, DateTime? From, DateTime? To, DateTime? ReviewOn, DateTime CreatedAt, string CreatedBy, DateTime? ReleasedAt, string? ReleasedBy, string? Reason)>(new CommandDefinition("""
            select id, reference, matter, window_from, window_to, review_on, created_at, created_by, released_at, released_by, release_reason
            from gov.legal_holds where (@includeReleased or released_at is null) and (@only::uuid is null or id = @only) order by created_at desc
            """, new { includeReleased, only }, cancellationToken: ct))).ToList();
        var scope = (await connection.QueryAsync<(Guid HoldId, string Kind, string? Store, string Value)>(new CommandDefinition(
            "select hold_id, kind, store, value from gov.legal_hold_scope where hold_id = any(@ids) order by kind, store, value",
            new { ids = holds.Select(h => h.Id).ToArray() }, cancellationToken: ct))).ToLookup(s => s.HoldId);
        return holds.Select(h => new LegalHold(h.Id, h.Reference, h.Matter, DbTime.Utc(h.From), DbTime.Utc(h.To), h.ReviewOn is { } d ? DateOnly.FromDateTime(d) : null,
            DbTime.Utc(h.CreatedAt), h.CreatedBy, DbTime.Utc(h.ReleasedAt), h.ReleasedBy, h.Reason,
            scope[h.Id].Select(s => new HoldScope(Enum.Parse<HoldScopeKind>(s.Kind, ignoreCase: true), s.Value, s.Store)).ToList())).ToList();
    }

    /// <summary>
    /// Which of these rows are held, and by which active holds: a map from the probe's position to the hold
    /// references. One query for the whole batch (arrays unnested and joined on the scope's index), so erasure and
    /// retention can ask per batch of thousands of rows.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, IReadOnlyList<string>>> HeldAsync(IReadOnlyList<HoldProbe> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return new Dictionary<int, IReadOnlyList<string>>();
        }

        await using var connection = await database.OpenAsync(ct);
        var hits = await connection.QueryAsync<(long Ordinal, string Reference)>(new CommandDefinition("""
            with probe as (
                select * from unnest(@stores::text[], @users::text[], @conversations::text[], @tenants::text[], @created::timestamptz[])
                    with ordinality as p(store, user_id, conversation_id, tenant_id, created_at, ordinal)
            ), matched as (
                select p.ordinal, p.created_at, s.hold_id from probe p join gov.legal_hold_scope s
                    on s.kind = 'user' and s.value = p.user_id and (s.store is null or s.store = p.store)
                union all
                select p.ordinal, p.created_at, s.hold_id from probe p join gov.legal_hold_scope s
                    on s.kind = 'conversation' and s.value = p.conversation_id and (s.store is null or s.store = p.store)
                union all
                select p.ordinal, p.created_at, s.hold_id from probe p join gov.legal_hold_scope s
                    on s.kind = 'tenant' and s.value = p.tenant_id and (s.store is null or s.store = p.store)
            )
            select distinct m.ordinal, h.reference from matched m join gov.legal_holds h on h.id = m.hold_id
            where h.released_at is null
              and (h.window_from is null or m.created_at is null or m.created_at >= h.window_from)
              and (h.window_to is null or m.created_at is null or m.created_at < h.window_to)
            order by m.ordinal, h.reference
            """, new
        {
            stores = rows.Select(r => r.Store).ToArray(),
            users = rows.Select(r => r.UserId).ToArray(),
            conversations = rows.Select(r => r.ConversationId).ToArray(),
            tenants = rows.Select(r => r.TenantId).ToArray(),
            created = rows.Select(r => r.CreatedAt?.ToUniversalTime()).ToArray(),
        }, cancellationToken: ct));
        return hits.GroupBy(h => (int)h.Ordinal - 1).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(h => h.Reference).ToList());
    }

    /// <summary>The active holds whose custodians include any of these user ids (in their store), for a request's page.</summary>
    public async Task<IReadOnlyList<string>> HoldingPersonAsync(IEnumerable<(string Store, string UserId)> ids, CancellationToken ct)
    {
        var list = ids.ToList();
        var held = await HeldAsync(list.Select(i => new HoldProbe(i.Store, i.UserId, null, null, null)).ToList(), ct);
        return held.Values.SelectMany(v => v).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private static void ValidateScope(IReadOnlyList<HoldScope> scope, ValidationErrors errors, bool required)
    {
        if (required && scope.Count == 0)
        {
            errors["scope"] = "Name at least one custodian, conversation or tenant.";
        }
        else if (scope.Count > MaxScope)
        {
            errors["scope"] = $"At most {MaxScope:N0} entries at once.";
        }
        else if (scope.FirstOrDefault(s => !AuditRecord.IsIdentifier(s.Value, 200) || (s.Store is not null && !AuditRecord.IsIdentifier(s.Store, 50))) is { } bad)
        {
            errors["scope"] = $"Entry {scope.ToList().IndexOf(bad) + 1}: ids are letters, digits, '_', '.', ':' or '-' (at most 200).";
        }
    }

    private static void ValidateWindow(DateTimeOffset? from, DateTimeOffset? to, ValidationErrors errors)
    {
        if (from is { } f && to is { } t && f >= t)
        {
            errors["windowTo"] = "The window ends after it starts.";
        }
    }

    private static async Task<int> AddScopeAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, Guid id, IReadOnlyList<HoldScope> scope, DateTimeOffset now, CancellationToken ct) =>
        scope.Count == 0 ? 0 : await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.legal_hold_scope (hold_id, kind, store, value, added_at)
            select @id, k, s, v, @now from unnest(@kinds::text[], @stores::text[], @values::text[]) as x(k, s, v)
            on conflict do nothing
            """, new { id, now, kinds = scope.Select(s => s.KindCode).ToArray(), stores = scope.Select(s => s.Store).ToArray(), values = scope.Select(s => s.Value).ToArray() }, tx, cancellationToken: ct));

}
