using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Governance.Jobs.Hosting;

/// <summary>
/// The in-process Hangfire server, started only when <c>Jobs:RunServer</c> is true, so that web processes and
/// worker processes can be scaled apart with one binary.
/// </summary>
internal sealed class GovernanceJobServer(IOptions<JobsOptions> options, JobStorage storage, IServiceProvider services, ILogger<GovernanceJobServer> logger)
    : IHostedService, IDisposable
{
    private BackgroundJobServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.RunServer)
        {
            logger.LogInformation("Job server is off in this process (Jobs:RunServer = false)");
            return Task.CompletedTask;
        }

        _server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                WorkerCount = o.WorkerCount,
                ServerName = $"{Environment.MachineName}:{Environment.ProcessId}",
                Activator = new Hangfire.AspNetCore.AspNetCoreJobActivator(services.GetRequiredService<IServiceScopeFactory>()),
            },
            storage);
        logger.LogInformation("Job server started with {Workers} workers", o.WorkerCount);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            _server.SendStop();
            await _server.WaitForShutdownAsync(cancellationToken);
        }
    }

    public void Dispose() => _server?.Dispose();
}
