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

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A fresh governance database with every migration applied, for one test class.</summary>
public sealed class MigratedDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("gov");
        var outcome = await new Governance.Core.Database.GovernanceMigrator(ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
            .MigrateAsync(CancellationToken.None);
        if (!outcome.Successful)
        {
            throw new InvalidOperationException(outcome.Error);
        }
    }

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(ConnectionString);
}
