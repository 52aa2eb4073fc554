using Governance.Core.ChatStores;
using Governance.Core.Database;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Governance.Core.Health;

/// <summary>The governance database answers and its schema is up to date.</summary>
public sealed class GovernanceDatabaseHealthCheck(GovernanceDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select count(*) from gov.schema_versions", connection);
            var applied = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            var known = GovernanceMigrator.AllScripts().Count;
            return applied >= known
                ? HealthCheckResult.Healthy($"{applied} migrations applied")
                : HealthCheckResult.Degraded($"{known - applied} migrations pending: run './gov db migrate'");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("governance database unreachable", ex is PostgresException pg ? new InvalidOperationException(pg.SqlState) : null);
        }
    }
}

/// <summary>Every configured chat store answers.</summary>
public sealed class ChatStoresHealthCheck(ChatStoreRegistry stores) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var down = new List<string>();
        foreach (var store in stores.All)
        {
            try
            {
                await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
                await using var command = new NpgsqlCommand("select 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                data[store.Name] = "reachable";
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                data[store.Name] = "unreachable";
                down.Add(store.Name);
            }
        }

        return down.Count == 0
            ? HealthCheckResult.Healthy($"{data.Count} chat stores reachable", data)
            : HealthCheckResult.Unhealthy($"chat stores unreachable: {string.Join(", ", down)}", data: data);
    }
}
