using Governance.Jobs.Audit;
using Governance.Jobs.Requests;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Governance.Jobs.Hosting;

/// <summary>
/// Every recurring job, registered in one place when a process starts and registered again every
/// <c>Jobs:ReassertRecurringSeconds</c>: a job removed or changed on the dashboard (or in the database) comes back as
/// configured, so the daily chain verification cannot be quietly switched off. Registration is idempotent.
/// </summary>
internal sealed class RecurringJobs(IRecurringJobManager manager, IOptions<Governance.Core.Requests.RequestOptions> requests, IOptions<JobsOptions> jobs,
    Governance.Core.Retention.RetentionCatalog retention, JobStorage storage, TimeProvider time, ILogger<RecurringJobs> logger) : BackgroundService
{
    public const string VerifyAuditChain = "verify-audit-chain";
    public const string EvaluateAlerts = "evaluate-alerts";

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // At start, before the host reports started: a bad cron expression stops the process with a clear error.
        Register();
        CatchUpDeadlines();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(jobs.Value.ReassertRecurringSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                Register();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Recurring jobs could not be registered again ({Error}); next try in {Seconds} s", ex.GetType().Name, jobs.Value.ReassertRecurringSeconds);
            }
        }
    }

    /// <summary>
    /// The deadline check runs once a day at a set hour; a console that was down at that hour (or never up at it)
    /// would leave due-soon and overdue requests unflagged until the next day. At start, a check older than a day
    /// (or none ever) runs now. Running it twice is harmless: a notice is never repeated.
    /// </summary>
    private void CatchUpDeadlines()
    {
        using var connection = storage.GetConnection();
        var job = connection.GetRecurringJobs([RequestDeadlinesJob.Id]).SingleOrDefault();
        if (job is null || job.Removed)
        {
            return;
        }

        if (job.LastExecution is not { } last || time.GetUtcNow().UtcDateTime - DateTime.SpecifyKind(last, DateTimeKind.Utc) > TimeSpan.FromDays(1))
        {
            manager.Trigger(RequestDeadlinesJob.Id);
            logger.LogInformation("The deadline check last ran more than a day ago (or never): it runs now");
        }
    }

    private void Register()
    {
        manager.AddOrUpdate<VerifyAuditChainJob>(VerifyAuditChain, j => j.RunAsync(CancellationToken.None), "30 2 * * *");
        manager.AddOrUpdate<EvaluateAlertsJob>(EvaluateAlerts, j => j.RunAsync(CancellationToken.None), "*/5 * * * *");
        manager.AddOrUpdate<Reports.MonthlyReportsJob>(Reports.MonthlyReportsJob.Id, j => j.RunAsync(CancellationToken.None), "0 4 1 * *");
        manager.AddOrUpdate<Exports.ExpireExportsJob>(Exports.ExpireExportsJob.Id, j => j.RunAsync(CancellationToken.None), "15 * * * *");
        try
        {
            manager.AddOrUpdate<RequestDeadlinesJob>(RequestDeadlinesJob.Id, j => j.RunAsync(CancellationToken.None), requests.Value.DeadlineJobCron);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Requests:DeadlineJobCron is not a cron expression (five fields, e.g. \"0 6 * * *\"): {ex.Message}", ex);
        }

        RegisterRetention();
    }

    /// <summary>
    /// One recurring job per retention rule in force, on the rule's schedule (UTC); the jobs of rules no longer in the
    /// files are removed. Rules that do not validate run not at all: every retention job is removed until they do.
    /// </summary>
    private void RegisterRetention()
    {
        var policy = retention.Load();
        var wanted = policy.Valid ? policy.Rules.ToDictionary(r => Retention.RetentionScheduleJob.IdOf(r.Name), StringComparer.Ordinal) : [];
        if (!policy.Valid)
        {
            logger.LogWarning("The retention rules do not validate ({Problems} problems): no retention job runs until they do; run './gov policies validate'", policy.Problems.Count);
        }

        foreach (var (id, rule) in wanted)
        {
            manager.AddOrUpdate<Retention.RetentionScheduleJob>(id, j => j.RunAsync(rule.Name, CancellationToken.None), rule.Schedule);
        }

        using var connection = storage.GetConnection();
        foreach (var job in Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection)
                     .Where(j => j.Id.StartsWith("retention:", StringComparison.Ordinal) && !wanted.ContainsKey(j.Id)))
        {
            manager.RemoveIfExists(job.Id);
        }
    }
}
