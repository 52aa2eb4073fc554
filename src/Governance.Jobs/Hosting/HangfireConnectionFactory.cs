using Governance.Core.Database;
using Hangfire.PostgreSql;
using Npgsql;

namespace Governance.Jobs.Hosting;

/// <summary>Hangfire takes its connections from the one governance data source of the process.</summary>
internal sealed class HangfireConnectionFactory(GovernanceDatabase database) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => database.DataSource.CreateConnection();
}
