using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Governance.Core.Audit;

/// <summary>
/// The verification use case (command line and daily job): verify, keep a checkpoint of an intact chain, raise the
/// chain-broken alert otherwise, and audit the verification itself.
/// </summary>
public sealed class VerifyAuditChain(AuditSealer sealer, AuditVerifier verifier, AlertStore alerts, AuditLog audit, ILogger<VerifyAuditChain> logger)
{
    public async Task<AuditVerification> RunAsync(AuditActor actor, long? from, long? to, CancellationToken ct)
    {
        await sealer.SealAllAsync(ct);
        var result = await verifier.VerifyAsync(from, to, ct);
        if (result.Intact)
        {
            if (from is null && to is null)
            {
                await verifier.RecordCheckpointAsync(result, ct);
            }

            logger.LogInformation("Audit chain intact: {Checked} positions checked up to {Head}, head hash {Hash}",
                result.Checked, result.ToPosition, result.HeadHash is null ? "-" : Convert.ToHexStringLower(result.HeadHash));
        }
        else
        {
            logger.LogCritical("Audit chain broken at position {Position}: {Problem}", result.FirstBadPosition, result.Problem);
            await alerts.RaiseAsync(AlertStore.ChainBrokenRule, "critical", result.Summary, null, actor, ct);
        }

        var details = new Dictionary<string, object?>
        {
            ["from"] = result.FromPosition,
            ["to"] = result.ToPosition,
            ["checked"] = result.Checked,
            ["problem"] = result.Problem,
            ["firstBadPosition"] = result.FirstBadPosition,
            ["ms"] = (long)result.Elapsed.TotalMilliseconds,
        };
        await audit.AppendAsync(new AuditRecord(actor, "audit.verify", result.Intact ? AuditOutcome.Success : AuditOutcome.Failure,
            "audit-chain", result.ToPosition.ToString(CultureInfo.InvariantCulture), Details: details), ct);
        return result;
    }
}
