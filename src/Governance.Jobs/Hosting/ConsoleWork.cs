using Dapper;
using Governance.Core.Database;

namespace Governance.Jobs.Hosting;

/// <summary>
/// One piece of the console's own work as its job reports it: a retention run (batches done, rows removed), an erasure
/// in one store (steps done of steps planned, rows changed) or an export to one region (rows written).
/// </summary>
public sealed record WorkItem(string Kind, Guid Id, string Name, string Store, string State, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    int? Done, int? Total, long Rows, Guid? RequestId, string? Problem);

/// <summary>The console's work of the last days and everything still running, newest first, read from the records the jobs keep.</summary>
public sealed class ConsoleWork(GovernanceDatabase database, TimeProvider time)
{
    public const int Days = 7;

    public async Task<IReadOnlyList<WorkItem>> RecentAsync(int limit, CancellationToken ct)
    {
        var since = time.GetUtcNow().AddDays(-Days);
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string Kind, Guid Id, string Name, string Store, string State, DateTime Started, DateTime? Finished, int? Done, int? Total, long Rows, Guid? RequestId, string? Problem)>(new CommandDefinition("""
            select kind, id, name, store, state, started, finished_at, done, total, rows, request_id, problem from (
                select 'retention' as kind, r.id, r.rule as name, r.store, r.state, coalesce(r.started_at, r.created_at) as started, r.finished_at,
                       r.batches as done, null::int as total, r.rows_removed as rows, null::uuid as request_id, r.problem
                from gov.retention_runs r where r.created_at >= @since or r.state in ('awaiting-approval', 'approved', 'running')
                union all
                select 'erasure', e.id, q.reference, e.store, e.state, e.started_at, e.finished_at,
                       (select count(*) from gov.erasure_steps s where s.run_id = e.id and s.done_at is not null)::int,
                       (select count(*) from gov.erasure_steps s where s.run_id = e.id)::int,
                       (select coalesce(sum(s.changed), 0) from gov.erasure_steps s where s.run_id = e.id)::bigint, e.request_id, e.problem
                from gov.erasure_runs e join gov.requests q on q.id = e.request_id where e.started_at >= @since or e.state = 'running'
                union all
                select 'export', x.id, q.reference, x.store, x.state, x.created_at, x.ready_at, null, null, coalesce(x.rows, 0), x.request_id, x.problem
                from gov.exports x join gov.requests q on q.id = x.request_id where x.created_at >= @since or x.state = 'writing'
            ) w order by started desc limit @limit
            """, new { since, limit }, cancellationToken: ct));
        return rows.Select(r => new WorkItem(r.Kind, r.Id, r.Name, r.Store, r.State, DbTime.Utc(r.Started), DbTime.Utc(r.Finished), r.Done, r.Total, r.Rows, r.RequestId, r.Problem)).ToList();
    }
}
