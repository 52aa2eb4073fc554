using Npgsql;

namespace Governance.Core.ChatStores;

/// <summary>A reachable regional store of the chat system: someone else's database, which the console reads through the data map.</summary>
public sealed record ChatStore(string Name, string Region, NpgsqlDataSource DataSource, string BlobRoot)
{
    private readonly string? _connectionString;

    /// <summary>The connection string with its password (a data source's own hides the password once opened).</summary>
    public string ConnectionString
    {
        get => _connectionString ?? DataSource.ConnectionString;
        init => _connectionString = value;
    }
}
