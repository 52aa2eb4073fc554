using Governance.Core.Audit;
using Hangfire;

namespace Governance.Jobs.Audit;

/// <summary>Daily: verify the whole audit chain (a break raises a critical alert and is itself audited).</summary>
public sealed class VerifyAuditChainJob(VerifyAuditChain verify)
{
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 2)]
    public Task RunAsync(CancellationToken ct) => verify.RunAsync(AuditActor.Job("verify-audit-chain"), null, null, ct);
}

/// <summary>Every few minutes: evaluate the alert rules over the audit log.</summary>
public sealed class EvaluateAlertsJob(AlertEvaluator evaluator)
{
    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(CancellationToken ct) => evaluator.EvaluateAsync(ct);
}
