using System.Reflection;
using DbUp;
using DbUp.Engine;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Core.Database;

/// <summary>
/// Applies the dated SQL scripts embedded under <c>Database/Migrations</c> to the governance database, journaled in
/// <c>gov.schema_versions</c>. Scripts are written to be idempotent; the journal makes each run once.
/// </summary>
public sealed class GovernanceMigrator(string connectionString, ILogger logger)
{
    public const string JournalSchema = "gov";
    public const string JournalTable = "schema_versions";

    public sealed record Outcome(bool Successful, IReadOnlyList<string> Applied, string? Error);

    private UpgradeEngine Engine() =>
        DeployChanges.To
            .PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.Contains(".Database.Migrations.", StringComparison.Ordinal))
            .WithScriptNameComparer(StringComparer.Ordinal)
            .JournalToPostgresqlTable(JournalSchema, JournalTable)
            .WithTransactionPerScript()
            .LogTo(new DbUpLog(logger))
            .Build();

    public static IReadOnlyList<string> AllScripts() =>
        Assembly.GetExecutingAssembly().GetManifestResourceNames()
            .Where(n => n.Contains(".Database.Migrations.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Scripts not applied yet. Reads only, so the application role may ask.</summary>
    public Task<IReadOnlyList<string>> PendingAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<string>>(Engine().GetScriptsToExecute().Select(s => s.Name).ToList());
    }

    public const string AppRole = "governance_app";

    /// <summary>
    /// Grants the application role exactly what <c>Database/Grants.sql</c> lists, and Hangfire's tables when that
    /// schema exists. Run after every migration, as the owner.
    /// </summary>
    public async Task ApplyGrantsAsync(string hangfireSchema, CancellationToken ct)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(hangfireSchema, "^[a-z_][a-z0-9_]{0,62}\\z"))
        {
            throw new ArgumentException("Jobs:Schema must be a lower-case identifier.", nameof(hangfireSchema));
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        using (var reader = new StreamReader(Assembly.GetExecutingAssembly().GetManifestResourceStream("Governance.Core.Database.Grants.sql")!))
        {
            await using var grants = new NpgsqlCommand(await reader.ReadToEndAsync(ct), connection);
            await grants.ExecuteNonQueryAsync(ct);
        }

        await using var exists = new NpgsqlCommand("select exists (select 1 from pg_namespace where nspname = @s)", connection);
        exists.Parameters.AddWithValue("s", hangfireSchema);
        if (await exists.ExecuteScalarAsync(ct) is true)
        {
            // The schema name was checked against a strict pattern above; identifiers cannot be parameters.
            await using var hangfire = new NpgsqlCommand(
                $"grant usage on schema \"{hangfireSchema}\" to {AppRole}; " +
                $"grant select, insert, update, delete on all tables in schema \"{hangfireSchema}\" to {AppRole}; " +
                $"grant usage, select, update on all sequences in schema \"{hangfireSchema}\" to {AppRole};",
                connection);
            await hangfire.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task<Outcome> MigrateAsync(CancellationToken ct)
    {
        await EnsureJournalSchemaAsync(ct);
        var result = Engine().PerformUpgrade();
        return new Outcome(result.Successful, result.Scripts.Select(s => s.Name).ToList(),
            result.Successful ? null : $"{result.ErrorScript?.Name}: {result.Error?.Message}");
    }

    private async Task EnsureJournalSchemaAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"create schema if not exists {JournalSchema}", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private sealed class DbUpLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => logger.LogTrace("{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogDebug(string format, params object[] args) => logger.LogDebug("{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogInformation(string format, params object[] args) => logger.LogDebug("{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogWarning(string format, params object[] args) => logger.LogWarning("{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogError(string format, params object[] args) => logger.LogError("{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, "{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
