using Dapper;
using Governance.Core.Database;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace Governance.Jobs.Hosting;

/// <summary>
/// One recurring job as the dashboard shows it: when it last ran and how that run ended, when it runs next, and how
/// many of its runs failed for good (after their retries) in the last <see cref="JobHealth.FailureWindowDays"/> days.
/// </summary>
public sealed record RecurringJobHealth(string Id, DateTimeOffset? LastRunAt, string? LastState, DateTimeOffset? NextRunAt, int RecentFailures, bool Removed);

/// <summary>The health of every recurring job, read from the job storage when asked.</summary>
public sealed class JobHealth(JobStorage storage, GovernanceDatabase database, IOptions<JobsOptions> options, TimeProvider time)
{
    public const int FailureWindowDays = 7;

    public async Task<IReadOnlyList<RecurringJobHealth>> GetAsync(CancellationToken ct)
    {
        List<RecurringJobDto> jobs;
        using (var connection = storage.GetConnection())
        {
            jobs = connection.GetRecurringJobs();
        }

        // A failure is a run that reached Failed (retries move a failing run to Scheduled instead, until they run out).
        // Its recurring job is the parameter Hangfire stores with every run it starts for one, as a JSON string.
        await using var db = await database.OpenAsync(ct);
        var failures = (await db.QueryAsync<(string RecurringId, long Count)>(new CommandDefinition($"""
            select trim(both '"' from p.value), count(distinct s.jobid)
            from {options.Value.Schema}.state s join {options.Value.Schema}.jobparameter p on p.jobid = s.jobid and p.name = 'RecurringJobId'
            where s.name = 'Failed' and s.createdat >= @since
            group by 1
            """, new { since = time.GetUtcNow().AddDays(-FailureWindowDays).UtcDateTime }, cancellationToken: ct)))
            .ToDictionary(r => r.RecurringId, r => (int)r.Count, StringComparer.Ordinal);

        return jobs.OrderBy(j => j.Id, StringComparer.Ordinal)
            .Select(j => new RecurringJobHealth(j.Id, Utc(j.LastExecution), j.LastJobState, Utc(j.NextExecution), failures.GetValueOrDefault(j.Id), j.Removed))
            .ToList();
    }

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
