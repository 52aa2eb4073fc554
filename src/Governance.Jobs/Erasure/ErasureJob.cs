using Governance.Core.Audit;
using Governance.Core.Erasure;
using Hangfire;

namespace Governance.Jobs.Erasure;

/// <summary>
/// Runs a request's erasure once a person has started it (the request is then Processing). Not retried by the job
/// server: a run that stops leaves the request Failed with the reason and its checkpoint, and a person resumes it.
/// </summary>
public sealed class ErasureJob(RequestErasure erasure)
{
    public const string Actor = "erasure";

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(Guid requestId, CancellationToken ct) => erasure.RunAsync(requestId, AuditActor.Job(Actor), ct);
}
