using System.Text.Json;
using Governance.Core.Health;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Governance.Web.Health;

public static class HealthEndpoint
{
    public static IServiceCollection AddGovernanceHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<GovernanceDatabaseHealthCheck>("governance-database")
            .AddCheck<ChatStoresHealthCheck>("chat-stores");
        return services;
    }

    /// <summary><c>/health</c>: anonymous, for load balancers; names each check and store, carries no personal data.</summary>
    public static IEndpointRouteBuilder MapGovernanceHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json; charset=utf-8";
                await JsonSerializer.SerializeAsync(context.Response.Body, new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.Select(e => new
                    {
                        name = e.Key,
                        status = e.Value.Status.ToString(),
                        description = e.Value.Description,
                        data = e.Value.Data,
                    }),
                });
            },
        }).AllowAnonymous();
        return app;
    }
}
