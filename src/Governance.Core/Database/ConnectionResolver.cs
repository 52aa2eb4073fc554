using System.Text.RegularExpressions;
using Governance.Core.ChatStores;
using Governance.Core.Database.Embedded;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Core.Database;

/// <summary>
/// Turns configuration into connection strings. Where <c>ConnectionStrings:Governance</c> or a chat store's
/// connection string is empty, the embedded cluster under the data folder serves that database.
/// </summary>
public sealed partial class ConnectionResolver(IConfiguration configuration, ILoggerFactory loggerFactory)
{
    public const string GovernanceConnectionName = "Governance";
    public const string GovernanceAdminConnectionName = "GovernanceAdmin";
    public const string GovernanceDatabaseName = "governance";

    public string DataDirectory => GovernancePaths.DataDirectory(configuration);

    public EmbeddedPostgresOptions EmbeddedOptions =>
        configuration.GetSection(EmbeddedPostgresOptions.Section).Get<EmbeddedPostgresOptions>() ?? new EmbeddedPostgresOptions();

    public EmbeddedCluster EmbeddedCluster()
    {
        var options = EmbeddedOptions;
        var dir = string.IsNullOrWhiteSpace(options.DataDirectory) ? Path.Combine(DataDirectory, "pg") : options.DataDirectory;
        return new EmbeddedCluster(dir, options, loggerFactory.CreateLogger<EmbeddedCluster>());
    }

    /// <summary>The stores of the demo (eu, us, cn on the local cluster), used only when the configuration names none.</summary>
    public static readonly IReadOnlyList<string> DemoStores = ["cn", "eu", "us"];

    /// <summary>
    /// The configured chat stores, validated (names are identifiers, regions present). The set comes entirely from
    /// configuration (<c>ChatStores:&lt;name&gt;</c>); only when it names no store at all is the demo's set used.
    /// </summary>
    public IReadOnlyList<(string Name, ChatStoreOptions Options)> StoreOptions()
    {
        var list = new List<(string, ChatStoreOptions)>();
        var children = configuration.GetSection(ChatStoreOptions.Section).GetChildren().ToList();
        if (children.Count == 0)
        {
            return DemoStores.Select(name => (name, new ChatStoreOptions { Region = name })).ToList();
        }

        foreach (var child in children.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var options = child.Get<ChatStoreOptions>() ?? new ChatStoreOptions();
            if (!StoreName().IsMatch(child.Key))
            {
                throw new InvalidOperationException(
                    $"ChatStores:{child.Key}: a store name must be lower-case letters, digits or '_' (at most 30), e.g. 'eu'.");
            }

            if (string.IsNullOrWhiteSpace(options.Region))
            {
                throw new InvalidOperationException($"ChatStores:{child.Key}:Region is empty: give the region the store's data lives in, e.g. 'eu'.");
            }

            list.Add((child.Key, options));
        }

        return list;
    }

    /// <summary>The governance database is on the local cluster (no connection string configured).</summary>
    public bool GovernanceIsEmbedded() => string.IsNullOrWhiteSpace(configuration.GetConnectionString(GovernanceConnectionName));

    /// <summary>The store's database is on the local cluster (no connection string configured).</summary>
    public bool StoreIsEmbedded(string name) =>
        StoreOptions().Any(s => s.Name == name && string.IsNullOrWhiteSpace(s.Options.ConnectionString));

    public bool NeedsEmbedded() =>
        string.IsNullOrWhiteSpace(configuration.GetConnectionString(GovernanceConnectionName))
        || StoreOptions().Any(s => string.IsNullOrWhiteSpace(s.Options.ConnectionString));

    /// <summary>Resolves every connection string; starts the embedded cluster when needed and <paramref name="startEmbedded"/> is set.</summary>
    public async Task<ResolvedConnections> ResolveAsync(bool startEmbedded, CancellationToken ct)
    {
        if (startEmbedded && NeedsEmbedded() && EmbeddedCluster().RunningPort() is null)
        {
            await EmbeddedCluster().StartAsync(ct);
        }

        return Resolve();
    }

    /// <summary>
    /// Resolves every connection string without starting anything (no I/O beyond reading the local cluster's pid
    /// file): what service registration uses, once start-up (the command line, <c>serve</c>) has started the cluster.
    /// </summary>
    public ResolvedConnections Resolve()
    {
        int? port = null;
        EmbeddedCluster? cluster = null;
        if (NeedsEmbedded())
        {
            cluster = EmbeddedCluster();
            port = cluster.RunningPort() ?? throw new EmbeddedPostgresException(
                $"The local database in {cluster.DataDirectory} is not running: start it with './gov db start', or configure ConnectionStrings:Governance.");
        }

        // On the local cluster the console runs as the application role and one role per chat store, each with its
        // generated password; migrations, the seeder and granting run as the superuser. Elsewhere
        // ConnectionStrings:GovernanceAdmin names the owner for migrations (default: the same as Governance).
        var governance = configuration.GetConnectionString(GovernanceConnectionName);
        var admin = configuration.GetConnectionString(GovernanceAdminConnectionName);
        if (string.IsNullOrWhiteSpace(governance))
        {
            governance = Embedded.EmbeddedCluster.ConnectionString(port!.Value, GovernanceDatabaseName, GovernanceMigrator.AppRole, cluster!.Secrets.Read(GovernanceMigrator.AppRole));
            admin = string.IsNullOrWhiteSpace(admin) ? cluster.SuperUserConnectionString(port.Value, GovernanceDatabaseName) : admin;
        }
        else
        {
            governance = Validate(governance, $"ConnectionStrings:{GovernanceConnectionName}");
        }

        admin = string.IsNullOrWhiteSpace(admin) ? governance : Validate(admin, $"ConnectionStrings:{GovernanceAdminConnectionName}");

        var stores = new List<ResolvedStore>();
        foreach (var (name, options) in StoreOptions())
        {
            string cs;
            string? owner = string.IsNullOrWhiteSpace(options.OwnerConnectionString)
                ? null
                : Validate(options.OwnerConnectionString, $"ChatStores:{name}:OwnerConnectionString");
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                var database = StoreDatabase(name, options);
                var role = StoreAccess.RoleFor(name);
                cs = Embedded.EmbeddedCluster.ConnectionString(port!.Value, database, role, cluster!.Secrets.Read(role));
                owner ??= cluster.SuperUserConnectionString(port.Value, database);
            }
            else
            {
                cs = Validate(options.ConnectionString, $"ChatStores:{name}:ConnectionString");
            }

            var blobRoot = string.IsNullOrWhiteSpace(options.BlobRoot)
                ? Path.Combine(DataDirectory, "blobs", options.Region)
                : Path.GetFullPath(options.BlobRoot);
            stores.Add(new ResolvedStore(name, options.Region, cs, blobRoot, owner));
        }

        return new ResolvedConnections(governance, admin, stores, port);
    }

    /// <summary>The database a store's data is in: from its connection string, else its Database setting, else <c>chat_&lt;name&gt;</c>.</summary>
    public static string StoreDatabase(string name, ChatStoreOptions options) =>
        !string.IsNullOrWhiteSpace(options.ConnectionString) && new NpgsqlConnectionStringBuilder(options.ConnectionString).Database is { Length: > 0 } configured
            ? configured
            : string.IsNullOrWhiteSpace(options.Database) ? $"chat_{name}" : options.Database;

    /// <summary>Checks that a configured connection string parses; the error names the setting, never the string (it may hold a password).</summary>
    public static string Validate(string connectionString, string setting)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                throw new InvalidOperationException($"{setting} names no Host: add e.g. 'Host=db.example.internal;'.");
            }

            return connectionString;
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"{setting} is not a valid PostgreSQL connection string ({ex.Message}): fix it or clear it to use the local database.");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,29}\\z")]
    private static partial Regex StoreName();
}
