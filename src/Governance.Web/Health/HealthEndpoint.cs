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

    private static readonly Dictionary<HealthStatus, int> Codes = new()
    {
        [HealthStatus.Healthy] = StatusCodes.Status200OK,
        [HealthStatus.Degraded] = StatusCodes.Status200OK,
        [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
    };

    /// <summary>
    /// <c>/health</c>: anonymous, for load balancers and orchestrators: 200 or 503 and the overall status, nothing else.
    /// <c>/health/details</c>: for Admins: each check and each chat store by name (no personal data either way).
    /// </summary>
    public static IEndpointRouteBuilder MapGovernanceHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResultStatusCodes = Codes,
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json; charset=utf-8";
                await JsonSerializer.SerializeAsync(context.Response.Body, new { status = report.Status.ToString() });
            },
        }).AllowAnonymous();

        app.MapHealthChecks("/health/details", new HealthCheckOptions
        {
            ResultStatusCodes = Codes,
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
        }).RequireAuthorization(Authentication.GovernancePolicies.Settings);
        return app;
    }
}
