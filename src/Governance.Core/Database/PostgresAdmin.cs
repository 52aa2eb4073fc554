using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace Governance.Core.Database;

/// <summary>Server-level chores: reaching a server with a clear error, creating a database that is missing.</summary>
public static partial class PostgresAdmin
{
    /// <summary>Creates the database named in the connection string when it does not exist; returns true when it was created.</summary>
    public static async Task<bool> EnsureDatabaseAsync(string connectionString, string setting, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var database = builder.Database ?? throw new InvalidOperationException($"{setting} names no Database.");
        if (!DatabaseName().IsMatch(database))
        {
            throw new InvalidOperationException($"{setting}: database name '{database}' must be letters, digits or '_' (at most 63).");
        }

        builder.Database = "postgres";
        await using var connection = await OpenAsync(builder.ConnectionString, setting, ct);
        if (await ExistsAsync(connection, database, ct))
        {
            return false;
        }

        // An identifier cannot be a parameter: the name was checked against a strict pattern above and is quoted.
        await connection.ExecuteAsync(new CommandDefinition($"create database \"{database}\"", cancellationToken: ct));
        return true;
    }

    /// <summary>Whether the database named in the connection string exists (asked of the server's maintenance database).</summary>
    public static async Task<bool> DatabaseExistsAsync(string connectionString, string setting, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var database = builder.Database ?? throw new InvalidOperationException($"{setting} names no Database.");
        builder.Database = "postgres";
        await using var connection = await OpenAsync(builder.ConnectionString, setting, ct);
        return await ExistsAsync(connection, database, ct);
    }

    private static Task<bool> ExistsAsync(NpgsqlConnection connection, string database, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from pg_database where datname = @database)", new { database }, cancellationToken: ct));

    /// <summary>Drops the database named in the connection string (scratch databases of benchmarks and tests), closing its sessions.</summary>
    public static async Task DropDatabaseAsync(string connectionString, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var database = builder.Database ?? throw new InvalidOperationException("No Database in the connection string.");
        if (!DatabaseName().IsMatch(database))
        {
            throw new InvalidOperationException($"'{database}' is not a plain database name.");
        }

        NpgsqlConnection.ClearAllPools();
        builder.Database = "postgres";
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition($"drop database if exists \"{database}\" with (force)", cancellationToken: ct));
    }

    /// <summary>Opens a connection, turning a failure into one line that names the setting and what to check.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, string setting, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await connection.DisposeAsync();
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            throw new InvalidOperationException(
                $"Cannot connect to PostgreSQL at {b.Host}:{b.Port} (database '{b.Database}', from {setting}): {Reason(ex)}. Check the setting, or that the server runs ('./gov db status' for the local one).");
        }
    }

    private static string Reason(Exception ex) => ex switch
    {
        PostgresException pg => $"{pg.SqlState} {pg.MessageText}",
        _ => (ex.InnerException?.Message ?? ex.Message).TrimEnd('.'),
    };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}\\z")]
    private static partial Regex DatabaseName();
}
