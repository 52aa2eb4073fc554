using Npgsql;

namespace Governance.Core.Database;

public static class ConnectionSummary
{
    /// <summary>host:port/database of a connection string, for display: no user, no password.</summary>
    public static string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database}";
    }
}
