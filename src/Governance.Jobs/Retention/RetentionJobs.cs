using Governance.Core.Audit;
using Governance.Core.Retention;
using Hangfire;

namespace Governance.Jobs.Retention;

/// <summary>
/// A rule's schedule fired: a run per store it covers. A run that needs no approval is handed to
/// <see cref="RetentionRunJob"/> at once; one that does waits on the Retention page for a privacy officer.
/// </summary>
public sealed class RetentionScheduleJob(RetentionPurge purge, IBackgroundJobClient jobs)
{
    public const string Actor = "retention";

    /// <summary>The recurring job of a rule: <c>retention:&lt;rule&gt;</c>.</summary>
    public static string IdOf(string rule) => "retention:" + rule;

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(string rule, CancellationToken ct)
    {
        foreach (var id in await purge.ScheduleAsync(rule, AuditActor.Job(Actor), ct))
        {
            var run = (await purge.RunsAsync("id = @id", new { id }, ct)).Single();
            if (run.State == "approved")
            {
                jobs.Enqueue<RetentionRunJob>(j => j.RunAsync(id, CancellationToken.None));
            }
        }
    }
}

/// <summary>
/// Runs (or resumes) one approved run. A worker that dies mid-run leaves the job to be picked up again by the job
/// server, and the run resumes from its last committed batch; a worker that finds another running it does nothing.
/// </summary>
public sealed class RetentionRunJob(RetentionPurge purge)
{
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [30, 120, 600])]
    public Task RunAsync(Guid runId, CancellationToken ct) => purge.RunAsync(runId, AuditActor.Job(RetentionScheduleJob.Actor), ct);
}
