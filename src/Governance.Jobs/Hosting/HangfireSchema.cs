using Hangfire.PostgreSql;
using Npgsql;

namespace Governance.Jobs.Hosting;

/// <summary>Installs or upgrades Hangfire's own tables; run by <c>./gov db migrate</c>, never silently at web start-up.</summary>
public static class HangfireSchema
{
    public static async Task InstallAsync(string connectionString, string schema, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        PostgreSqlObjectsInstaller.Install(connection, schema);
    }
}
