using Governance.Core.Database;

namespace Governance.Web.Health;

/// <summary>
/// Runs first when the host starts: the governance database must answer and have no pending migration. The web
/// host never migrates by itself; it says what to run instead.
/// </summary>
internal sealed class StartupCheck(ResolvedConnections connections, ILogger<StartupCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (await PostgresAdmin.OpenAsync(connections.Governance, "ConnectionStrings:Governance", cancellationToken))
        {
        }

        var pending = await new GovernanceMigrator(connections.Governance, logger).PendingAsync(cancellationToken);
        if (pending.Count > 0)
        {
            throw new InvalidOperationException($"The governance database has {pending.Count} migrations pending: run './gov db migrate' first.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
