using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Core.Audit;

/// <summary>
/// Seals committed audit entries into the chain: at once when this process appended one, and every few seconds
/// for entries appended by other processes. Any number of processes may run it; one seals at a time.
/// </summary>
public sealed class AuditSealingService(AuditSealer sealer, AuditSealSignal signal, ILogger<AuditSealingService> logger) : BackgroundService
{
    public static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(300);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
                if (await sealer.SealAllAsync(stoppingToken) > 0)
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
                logger.LogWarning(ex, "Sealing audit entries failed; retrying shortly");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }
}
