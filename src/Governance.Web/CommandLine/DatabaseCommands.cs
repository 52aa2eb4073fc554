using System.CommandLine;
using Governance.Core.Database;
using Governance.Core.Database.Embedded;
using Governance.Jobs.Hosting;

namespace Governance.Web.CommandLine;

/// <summary><c>./gov db</c>: the local PostgreSQL cluster and the governance database's migrations.</summary>
internal static class DatabaseCommands
{
    internal static Command Db()
    {
        var db = new Command("db", "The governance database, and the local PostgreSQL cluster used when no connection string is set.");
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder of the local cluster (default: .data/pg)" };
        var port = new Option<int?>("--port") { Description = "Port on 127.0.0.1 (default: a free one)" };
        var durable = new Option<bool>("--no-fsync") { Description = "Throwaway clusters only: turn off fsync for speed" };

        var start = new Command("start", "Initialise (first time) and start the local PostgreSQL cluster.") { dataDir, port, durable };
        start.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var resolver = GovernanceCommandLine.Resolver(Overrides(parse, dataDir, port, durable));
            if (!resolver.NeedsEmbedded())
            {
                Console.WriteLine("Connection strings are configured for every database: the console uses those servers and starts nothing.");
                return 0;
            }

            var cluster = resolver.EmbeddedCluster();
            var p = await cluster.StartAsync(token);
            Console.WriteLine($"Local PostgreSQL runs on 127.0.0.1:{p} (cluster in {cluster.DataDirectory}).");
            return 0;
        }, ct));

        var stop = new Command("stop", "Stop the local PostgreSQL cluster.") { dataDir };
        stop.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var cluster = GovernanceCommandLine.Resolver(Overrides(parse, dataDir, null, null)).EmbeddedCluster();
            Console.WriteLine(await cluster.StopAsync(token) ? "Local PostgreSQL stopped." : "Local PostgreSQL was not running.");
            return 0;
        }, ct));

        var status = new Command("status", "Say whether the local cluster runs and whether migrations are pending.") { dataDir };
        status.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var resolver = GovernanceCommandLine.Resolver(Overrides(parse, dataDir, null, null));
            if (resolver.NeedsEmbedded())
            {
                var cluster = resolver.EmbeddedCluster();
                var running = cluster.RunningPort();
                Console.WriteLine(running is { } p
                    ? $"Local PostgreSQL: running on 127.0.0.1:{p} (cluster in {cluster.DataDirectory})."
                    : cluster.IsInitialized
                        ? $"Local PostgreSQL: stopped (cluster in {cluster.DataDirectory}); start it with './gov db start'."
                        : $"Local PostgreSQL: not created yet; './gov db start' creates it in {cluster.DataDirectory}.");
                if (running is null)
                {
                    return 3;
                }
            }

            var connections = await resolver.ResolveAsync(startEmbedded: false, token);
            await PostgresAdmin.EnsureDatabaseAsync(connections.GovernanceAdmin, "ConnectionStrings:GovernanceAdmin", token);
            var pending = await new GovernanceMigrator(connections.GovernanceAdmin, NullLogger()).PendingAsync(token);
            Console.WriteLine($"Governance database {ConnectionSummary.Describe(connections.Governance)}: "
                + (pending.Count == 0 ? "up to date." : $"{pending.Count} migrations pending; run './gov db migrate'."));
            return 0;
        }, ct));

        var migrate = new Command("migrate", "Create the governance database if missing and apply pending migrations (and Hangfire's schema).") { dataDir };
        migrate.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var configuration = Overrides(parse, dataDir, null, null);
            var resolver = GovernanceCommandLine.Resolver(configuration);
            var connections = await resolver.ResolveAsync(startEmbedded: true, token);
            if (await PostgresAdmin.EnsureDatabaseAsync(connections.GovernanceAdmin, "ConnectionStrings:GovernanceAdmin", token))
            {
                Console.WriteLine($"Created database {ConnectionSummary.Describe(connections.GovernanceAdmin)}.");
            }

            var migrator = new GovernanceMigrator(connections.GovernanceAdmin, NullLogger());
            var outcome = await migrator.MigrateAsync(token);
            if (!outcome.Successful)
            {
                Console.Error.WriteLine($"error: migration failed in {outcome.Error}; the failed script was rolled back.");
                return 1;
            }

            var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
            await HangfireSchema.InstallAsync(connections.GovernanceAdmin, jobs.Schema, token);
            await migrator.ApplyGrantsAsync(jobs.Schema, token);
            Console.WriteLine(outcome.Applied.Count == 0
                ? "Governance database is up to date."
                : $"Applied {outcome.Applied.Count} migrations: {string.Join(", ", outcome.Applied.Select(ShortName))}.");

            // On the local cluster the console's roles get their passwords and the chat stores' roles their grants.
            await ConsoleRoles.ApplyAppRoleAsync(resolver, connections, token);
            if (resolver.NeedsEmbedded())
            {
                PrintStoreRoles(await ConsoleRoles.ApplyStoreRolesAsync(resolver, connections, LoadMaps(configuration), token));
            }

            return 0;
        }, ct));

        var store = new Option<string?>("--store") { Description = "Only this chat store (default: every configured store)" };
        var apply = new Option<bool>("--apply") { Description = "Run the statements on the store as its owner (the local superuser, or ChatStores:<name>:OwnerConnectionString)" };
        var grants = new Command("grants", "Print the role and grants the console needs on each chat store, drawn from the data maps' plans; --apply runs them.") { store, apply };
        grants.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var configuration = GovernanceCommandLine.Resolver(GovernanceConfiguration.ForCommandLine());
            var only = parse.GetValue(store);
            var all = configuration.StoreOptions();
            if (only is not null && all.All(s => s.Name != only))
            {
                throw new ArgumentException($"--store: no chat store named '{only}' is configured (known: {string.Join(", ", all.Select(s => s.Name))}).");
            }

            var maps = LoadMaps(GovernanceConfiguration.ForCommandLine());
            if (!maps.Valid)
            {
                throw new InvalidOperationException($"The data maps have {maps.Problems.Count} problems; run './gov policies validate'.");
            }

            var connections = parse.GetValue(apply) ? await configuration.ResolveAsync(startEmbedded: true, token) : null;
            foreach (var (name, options) in all.Where(s => only is null || s.Name == only))
            {
                var map = maps.Maps.FirstOrDefault(m => m.Stores.Contains(name));
                var role = Governance.Core.ChatStores.StoreAccess.RoleFor(name);
                if (connections is null)
                {
                    var database = ConnectionResolver.StoreDatabase(name, options);
                    Console.WriteLine($"-- chat store '{name}'{(map is null ? ": no data map names it, so the role may only connect" : $", from data map '{map.Name}'")}");
                    Console.WriteLine(Governance.Core.ChatStores.StoreAccess.CreateRoleSql(role));
                    Console.WriteLine($"-- then give {role} a password (\\password {role} in psql) and name it in ChatStores:{name}:ConnectionString");
                    Console.WriteLine(Governance.Core.ChatStores.StoreAccess.GrantSql(role, database,
                        map is null ? [] : Governance.Core.ChatStores.StoreAccess.GrantsFor(map, name)));
                    continue;
                }

                var resolved = connections.Stores.First(s => s.Name == name);
                var password = configuration.StoreIsEmbedded(name) ? configuration.EmbeddedCluster().Secrets.GetOrCreate(role) : null;
                var granted = await Governance.Core.ChatStores.StoreAccess.ApplyAsync(resolved.Owner, name, map, password, token);
                Console.WriteLine($"{name}: {role} may read {granted.Count} tables, delete from {granted.Count(g => g.Delete)}, update columns of {granted.Count(g => g.UpdateColumns.Count > 0)}.");
            }

            return 0;
        }, ct));

        db.Add(start);
        db.Add(stop);
        db.Add(status);
        db.Add(migrate);
        db.Add(grants);
        return db;
    }

    internal static Governance.Core.DataMap.DataMapSet LoadMaps(IConfiguration configuration) =>
        Governance.Core.DataMap.DataMapLoader.LoadDirectory(
            (configuration.GetSection(Governance.Core.DataMap.DataMapOptions.Section).Get<Governance.Core.DataMap.DataMapOptions>() ?? new()).ResolveDirectory());

    internal static void PrintStoreRoles(IReadOnlyList<ConsoleRoles.StoreOutcome> outcomes)
    {
        foreach (var o in outcomes)
        {
            Console.WriteLine(o.Note is null
                ? $"Chat store {o.Store}: role {o.Role} granted what the data map's plans need on {o.Tables} tables."
                : $"Chat store {o.Store}: role {o.Role} {o.Note}.");
        }
    }

    private static IConfiguration Overrides(ParseResult parse, Option<string?> dataDir, Option<int?>? port, Option<bool>? noFsync)
    {
        var values = new Dictionary<string, string?>();
        if (parse.GetValue(dataDir) is { } d)
        {
            values[$"{EmbeddedPostgresOptions.Section}:{nameof(EmbeddedPostgresOptions.DataDirectory)}"] = Path.GetFullPath(d);
        }

        if (port is not null && parse.GetValue(port) is { } p)
        {
            values[$"{EmbeddedPostgresOptions.Section}:{nameof(EmbeddedPostgresOptions.Port)}"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (noFsync is not null && parse.GetValue(noFsync))
        {
            values[$"{EmbeddedPostgresOptions.Section}:{nameof(EmbeddedPostgresOptions.Durable)}"] = "false";
        }

        return new ConfigurationBuilder().AddConfiguration(GovernanceConfiguration.ForCommandLine()).AddInMemoryCollection(values).Build();
    }

    private static ILogger NullLogger() => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private static string ShortName(string resource) =>
        resource.Replace("Governance.Core.Database.Migrations.", "", StringComparison.Ordinal);
}
