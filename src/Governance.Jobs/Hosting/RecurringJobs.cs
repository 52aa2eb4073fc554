using Governance.Jobs.Audit;
using Governance.Jobs.Requests;
using Hangfire;
using Microsoft.Extensions.Hosting;

namespace Governance.Jobs.Hosting;

/// <summary>Every recurring job, registered in one place when a process starts (registration is idempotent).</summary>
internal sealed class RecurringJobs(IRecurringJobManager manager, Microsoft.Extensions.Options.IOptions<Governance.Core.Requests.RequestOptions> requests) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        manager.AddOrUpdate<VerifyAuditChainJob>("verify-audit-chain", j => j.RunAsync(CancellationToken.None), "30 2 * * *");
        manager.AddOrUpdate<EvaluateAlertsJob>("evaluate-alerts", j => j.RunAsync(CancellationToken.None), "*/5 * * * *");
        try
        {
            manager.AddOrUpdate<RequestDeadlinesJob>(RequestDeadlinesJob.Id, j => j.RunAsync(CancellationToken.None), requests.Value.DeadlineJobCron);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Requests:DeadlineJobCron is not a cron expression (five fields, e.g. \"0 6 * * *\"): {ex.Message}", ex);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
