using Dapper;
using Governance.Core.Database;
using Microsoft.Extensions.Options;

namespace Governance.Core.Requests;

/// <summary>Open requests in one state.</summary>
public sealed record StateCount(string State, int Count);

/// <summary>
/// One day of the deadline burn-down: how many open requests fall due that day, and how many open requests are still
/// ahead after it (the work left if every request were closed on its due date). Overdue requests count on no day: they
/// are behind already, and <see cref="RequestWorkloadFigures.Overdue"/> says how many.
/// </summary>
public sealed record DeadlineDay(DateOnly Day, int DueThatDay, int StillAhead);

/// <summary>One week (Monday to Sunday, UTC): requests received and requests closed (completed, denied or withdrawn).</summary>
public sealed record WeekFigures(DateOnly Monday, int Received, int Closed);

public sealed record RequestWorkloadFigures(
    DateOnly Today,
    IReadOnlyList<StateCount> OpenByState,
    int Open,
    int DueSoonDays,
    int DueSoon,
    int Overdue,
    IReadOnlyList<DeadlineDay> BurnDown,
    IReadOnlyList<WeekFigures> Weeks);

/// <summary>
/// The dashboard's request figures, read live from the requests (not from the daily notice job): open requests by
/// state, due within <see cref="RequestOptions.DueSoonDays"/> days (seven unless set), overdue, the deadlines of the next <see cref="BurnDownDays"/> days, and requests received and
/// closed in each of the last <see cref="WeekCount"/> weeks. Due dates are the effective ones (an extension moves them).
/// </summary>
public sealed class RequestWorkload(GovernanceDatabase database, IOptions<RequestOptions> options, TimeProvider time)
{
    public const int BurnDownDays = 30;
    public const int WeekCount = 8;

    public async Task<RequestWorkloadFigures> GetAsync(CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var thisMonday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        var firstMonday = thisMonday.AddDays(-7 * (WeekCount - 1));
        await using var connection = await database.OpenAsync(ct);

        var byState = (await connection.QueryAsync<(string State, long Count)>(new CommandDefinition(
            "select state, count(*) from gov.requests where state <> all(@closed) group by state",
            new { closed = RequestStateMachine.FinalStates }, cancellationToken: ct)))
            .Select(r => new StateCount(r.State, (int)r.Count))
            .OrderBy(r => Enum.TryParse<RequestState>(r.State, out var s) ? (int)s : int.MaxValue)
            .ToList();
        var open = byState.Sum(s => s.Count);

        var dues = (await connection.QueryAsync<(DateTime Due, long Count)>(new CommandDefinition("""
            select coalesce(extended_due_on, due_on), count(*) from gov.requests
            where state <> all(@notRunning) and coalesce(extended_due_on, due_on) < @until
            group by 1
            """, new { notRunning = RequestStateMachine.ClockNotRunning, until = today.AddDays(BurnDownDays) }, cancellationToken: ct)))
            .ToDictionary(r => DateOnly.FromDateTime(r.Due), r => (int)r.Count);
        var overdue = dues.Where(d => d.Key < today).Sum(d => d.Value);
        var burnDown = new List<DeadlineDay>(BurnDownDays);
        var ahead = open - overdue;
        for (var day = today; day < today.AddDays(BurnDownDays); day = day.AddDays(1))
        {
            var due = dues.GetValueOrDefault(day);
            ahead -= due;
            burnDown.Add(new DeadlineDay(day, due, ahead));
        }

        var soonDays = options.Value.DueSoonDays;
        var dueSoon = burnDown.Take(soonDays + 1).Sum(d => d.DueThatDay);

        var from = new DateTimeOffset(firstMonday.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var received = (await connection.QueryAsync<(DateTime Monday, long Count)>(new CommandDefinition("""
            select date_trunc('week', received_at at time zone 'UTC')::date, count(*) from gov.requests
            where received_at >= @from group by 1
            """, new { from }, cancellationToken: ct))).ToDictionary(r => DateOnly.FromDateTime(r.Monday), r => (int)r.Count);
        // Closed: the time of the step that put the request in a final state (a request is closed once).
        var closed = (await connection.QueryAsync<(DateTime Monday, long Count)>(new CommandDefinition("""
            select date_trunc('week', closed_at at time zone 'UTC')::date, count(*) from (
                select max(e.occurred_at) as closed_at from gov.request_events e join gov.requests r on r.id = e.request_id
                where r.state = any(@closed) and e.to_state = any(@closed) and e.occurred_at >= @from
                group by e.request_id) c
            group by 1
            """, new { from, closed = RequestStateMachine.FinalStates }, cancellationToken: ct))).ToDictionary(r => DateOnly.FromDateTime(r.Monday), r => (int)r.Count);
        var weeks = Enumerable.Range(0, WeekCount).Select(i => firstMonday.AddDays(7 * i))
            .Select(m => new WeekFigures(m, received.GetValueOrDefault(m), closed.GetValueOrDefault(m))).ToList();

        return new RequestWorkloadFigures(today, byState, open, soonDays, dueSoon, overdue, burnDown, weeks);
    }
}
