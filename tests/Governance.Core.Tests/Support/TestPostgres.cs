using Npgsql;

namespace Governance.Tests.Support;

/// <summary>
/// The throwaway PostgreSQL server that ./test.sh starts (GOV_TEST_POSTGRES). Each test class gets databases of
/// its own, created fresh and dropped afterwards.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "GOV_TEST_POSTGRES";

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException($"{Variable} is not set: run the tests through ./test.sh, which starts a throwaway PostgreSQL cluster.");

    public static string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database, Pooling = true }.ConnectionString;

    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"t_{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 2 + 13)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"create database \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>A fresh database with the given DDL applied (e.g. the reference chat store's schema).</summary>
    public static async Task<string> CreateDatabaseWithAsync(string prefix, string ddl)
    {
        var cs = await CreateDatabaseAsync(prefix);
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(ddl, connection);
        await command.ExecuteNonQueryAsync();
        return cs;
    }

    /// <summary>A fresh database with the given DDL and a data source on it, dropped when disposed.</summary>
    public static async Task<ScratchDatabase> ScratchAsync(string prefix, string ddl) => new(await CreateDatabaseWithAsync(prefix, ddl));

    public static Task DropDatabaseAsync(string connectionString) =>
        Governance.Core.Database.PostgresAdmin.DropDatabaseAsync(connectionString, CancellationToken.None);

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A fresh governance database with every migration and grant applied, for one test class.</summary>
public sealed class MigratedDatabase : IAsyncLifetime
{
    /// <summary>The owner's (superuser's) connection: what migrations and tampering tests use.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The application role's connection: what the console runs with.</summary>
    public string AppConnectionString { get; private set; } = "";

    public static async Task<(string Admin, string App)> CreateAsync(string prefix)
    {
        var admin = await TestPostgres.CreateDatabaseAsync(prefix);
        var migrator = new Governance.Core.Database.GovernanceMigrator(admin, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var outcome = await migrator.MigrateAsync(CancellationToken.None);
        if (!outcome.Successful)
        {
            throw new InvalidOperationException(outcome.Error);
        }

        await migrator.ApplyGrantsAsync("hangfire", CancellationToken.None);
        await GiveAppRoleThePasswordAsync(admin);
        return (admin, AppConnection(admin));
    }

    private static readonly SemaphoreSlim PasswordOnce = new(1, 1);
    private static bool _passwordSet;

    /// <summary>
    /// The test cluster asks every role for a password: the application role (one for the whole cluster) gets the
    /// server connection's own, once per test run (two ALTER ROLEs of one role at once would collide).
    /// </summary>
    public static async Task GiveAppRoleThePasswordAsync(string admin)
    {
        var password = new NpgsqlConnectionStringBuilder(admin).Password;
        if (password is null)
        {
            return;
        }

        await PasswordOnce.WaitAsync();
        try
        {
            if (!_passwordSet)
            {
                await using var connection = new NpgsqlConnection(admin);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    Governance.Core.Database.Embedded.ClusterSecrets.SetPasswordSql(Governance.Core.Database.GovernanceMigrator.AppRole, password), connection);
                await command.ExecuteNonQueryAsync();
                _passwordSet = true;
            }
        }
        finally
        {
            PasswordOnce.Release();
        }
    }

    public static string AppConnection(string admin) =>
        new NpgsqlConnectionStringBuilder(admin) { Username = Governance.Core.Database.GovernanceMigrator.AppRole }.ConnectionString;

    public async Task InitializeAsync() => (ConnectionString, AppConnectionString) = await CreateAsync("gov");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(ConnectionString);
}

/// <summary>A throwaway database for one test: its connection string and a data source, dropped with it.</summary>
public sealed class ScratchDatabase(string connectionString) : IAsyncDisposable
{
    public string ConnectionString { get; } = connectionString;

    public NpgsqlDataSource Store { get; } = NpgsqlDataSource.Create(connectionString);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}
