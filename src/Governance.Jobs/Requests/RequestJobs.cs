using Governance.Core.Audit;
using Governance.Core.Requests;
using Hangfire;

namespace Governance.Jobs.Requests;

/// <summary>Daily: flag requests due soon or overdue and notify their assignees (in the console, and by e-mail when SMTP is set).</summary>
public sealed class RequestDeadlinesJob(DeadlineNotices notices)
{
    public const string Id = "request-deadlines";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 2)]
    public Task RunAsync(CancellationToken ct) => notices.RunAsync(AuditActor.Job(Id), ct);
}
