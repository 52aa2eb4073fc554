using Npgsql;

namespace Governance.Core.Database;

/// <summary>The governance database: requests, holds, policies, runs, audit chain, Hangfire. One data source for the process.</summary>
public sealed class GovernanceDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public string ConnectionString => DataSource.ConnectionString;

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct) => DataSource.OpenConnectionAsync(ct);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
