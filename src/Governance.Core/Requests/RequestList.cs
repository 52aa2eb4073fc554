using Dapper;
using Governance.Core.Database;
using Governance.Core.Validation;

namespace Governance.Core.Requests;

public enum RequestSort
{
    DueSoonest,
    NewestFirst,
}

/// <param name="DueWithinDays">Open requests due within this many days from today, overdue ones included (the "due soon" list).</param>
/// <param name="NotOverdue">Leaves overdue requests out (the dashboard's "due within 7 days" counts them apart).</param>
public sealed record RequestFilter(string? State = null, string? Regime = null, string? Type = null, bool OverdueOnly = false, DateOnly? DueBefore = null, int? DueWithinDays = null,
    bool NotOverdue = false);

public sealed record RequestRow(Guid Id, string Reference, string Regime, string Type, string State, string Channel, DateOnly ReceivedOn, DateOnly DueOn, bool Overdue);

public sealed record RequestPage(IReadOnlyList<RequestRow> Rows, long Total, bool TotalIsLowerBound);

/// <summary>The request list: filtered, sorted and paged in the database. It shows references and dates, not the people.</summary>
public sealed class RequestList(GovernanceDatabase database, TimeProvider time)
{
    public const int MaxPageSize = 200;
    private const int CountCap = 10_000;

    public async Task<RequestPage> PageAsync(RequestFilter filter, RequestSort sort, int offset, int pageSize, CancellationToken ct)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw ValidationException.For("request list", "pageSize", $"Must be between 1 and {MaxPageSize}.");
        }

        if (filter.State is not null && !Enum.TryParse<RequestState>(filter.State, out _))
        {
            throw ValidationException.For("request list", "state", "Not a request state.");
        }

        if (filter.Type is not null && !RequestTypes.All.Contains(filter.Type))
        {
            throw ValidationException.For("request list", "type", "Not a request type.");
        }

        var clauses = new List<string>();
        var p = new DynamicParameters();
        if (filter.State is not null)
        {
            clauses.Add("state = @state");
            p.Add("state", filter.State);
        }

        if (filter.Regime is not null)
        {
            clauses.Add("regime = @regime");
            p.Add("regime", filter.Regime);
        }

        if (filter.Type is not null)
        {
            clauses.Add("type = @type");
            p.Add("type", filter.Type);
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (filter.OverdueOnly)
        {
            clauses.Add("coalesce(extended_due_on, due_on) < @today and state <> all(@notRunning)");
        }

        if (filter.DueWithinDays is { } days)
        {
            if (days is < 0 or > 366)
            {
                throw ValidationException.For("request list", "dueWithinDays", "Between 0 and 366.");
            }

            clauses.Add("coalesce(extended_due_on, due_on) <= @soon and state <> all(@notRunning)");
            p.Add("soon", today.AddDays(days));
        }

        if (filter.NotOverdue)
        {
            clauses.Add("coalesce(extended_due_on, due_on) >= @today");
        }

        if (filter.DueBefore is { } before)
        {
            clauses.Add("coalesce(extended_due_on, due_on) < @before");
            p.Add("before", before);
        }

        p.Add("today", today);
        p.Add("notRunning", RequestStateMachine.ClockNotRunning);
        p.Add("limit", pageSize);
        p.Add("offset", offset);
        p.Add("cap", CountCap + 1);
        var where = clauses.Count == 0 ? "" : " where " + string.Join(" and ", clauses);
        var order = sort == RequestSort.NewestFirst ? " order by received_at desc, id" : " order by coalesce(extended_due_on, due_on), id";
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<(Guid Id, string Reference, string Regime, string Type, string State, string Channel, DateTime ReceivedOn, DateTime DueOn)>(new CommandDefinition(
            $"select id, reference, regime, type, state, channel, received_on, coalesce(extended_due_on, due_on) from gov.requests{where}{order} limit @limit offset @offset",
            p, cancellationToken: ct)))
            .Select(r => new RequestRow(r.Id, r.Reference, r.Regime, r.Type, r.State, r.Channel, DateOnly.FromDateTime(r.ReceivedOn), DateOnly.FromDateTime(r.DueOn),
                DateOnly.FromDateTime(r.DueOn) < today && !RequestStateMachine.ClockNotRunning.Contains(r.State)))
            .ToList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"select count(*) from (select 1 from gov.requests{where} limit @cap) x", p, cancellationToken: ct));
        return new RequestPage(rows, Math.Min(total, CountCap), total > CountCap);
    }

    /// <summary>The references of these requests (ids not found, or not request ids at all, are left out).</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> ReferencesAsync(IEnumerable<string?> ids, CancellationToken ct)
    {
        var wanted = ids.Select(i => Guid.TryParse(i, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Distinct().ToArray();
        if (wanted.Length == 0)
        {
            return new Dictionary<Guid, string>();
        }

        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(Guid Id, string Reference)>(new CommandDefinition(
            "select id, reference from gov.requests where id = any(@wanted)", new { wanted }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Id, r => r.Reference);
    }

    /// <summary>The id of the request with this reference ("DSR-2026-000123"), or null.</summary>
    public async Task<Guid?> IdOfAsync(string reference, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "select id from gov.requests where reference = @reference", new { reference = reference.Trim() }, cancellationToken: ct));
    }
}
