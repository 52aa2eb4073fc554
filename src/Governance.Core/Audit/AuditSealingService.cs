using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Core.Audit;

/// <summary>
/// Seals committed audit entries into the chain: at once when this process appended one, and every few seconds
/// for entries appended by other processes. Any number of processes may run it; one seals at a time.
/// </summary>
public sealed class AuditSealingService(AuditSealer sealer, AuditSealSignal signal, AlertStore alerts, ILogger<AuditSealingService> logger) : BackgroundService
{
    public const string SealingStoppedRule = "audit-sealing-stopped";

    public static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(300);

    /// <summary>Failures in a row after which sealing counts as stopped and an alert is raised (a passing hiccup raises none).</summary>
    public const int FailuresBeforeAlert = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
                var count = await sealer.SealAllAsync(stoppingToken);
                failures = 0;
                if (count > 0)
                {
                    // Seal in batches, at most a few times a second, so that sealing does not compete with writers
                    // for every commit.
                    await Task.Delay(BatchInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                failures++;
                logger.LogWarning(ex, "Sealing audit entries failed ({Failures} in a row); retrying shortly", failures);
                if (failures == FailuresBeforeAlert)
                {
                    await RaiseAsync(ex, stoppingToken);
                }

                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    /// <summary>Sealing that keeps failing leaves entries outside the chain: a person must know, not only the log.</summary>
    private async Task RaiseAsync(Exception ex, CancellationToken ct)
    {
        try
        {
            await alerts.RaiseAsync(SealingStoppedRule, "critical",
                $"Audit entries are not being sealed into the chain ({ex.GetType().Name}); new entries stay unverifiable until it is fixed. Run './gov audit verify'.",
                null, AuditActor.System("audit-sealer"), ct);
        }
        catch (Exception alertError) when (alertError is NpgsqlException or TimeoutException)
        {
            logger.LogError(alertError, "Could not raise the sealing alert");
        }
    }
}
