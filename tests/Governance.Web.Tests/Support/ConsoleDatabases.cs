using Governance.Core.Accounts;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.Demo;
using Governance.Core.Security;
using Governance.Jobs.Hosting;
using Governance.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Governance.Web.Tests.Support;

/// <summary>
/// A migrated governance database, three small seeded chat stores and one local account per role, on the test
/// server; <see cref="Settings"/> is the configuration that points the console at them.
/// </summary>
public sealed class ConsoleDatabases : IAsyncLifetime
{
    public const string Password = "test-password-123";

    public static readonly (string User, string Role)[] Accounts =
    [
        ("officer", Roles.PrivacyOfficer),
        ("lawyer", Roles.Legal),
        ("auditor", Roles.Auditor),
        ("admin", Roles.Admin),
    ];

    private readonly List<string> _databases = [];

    public string Work { get; } = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "web-" + Guid.NewGuid().ToString("N")[..8]);

    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>Key of an API client allowed to submit requests.</summary>
    public string ApiKey { get; private set; } = "";

    /// <summary>The governance database's owner connection (for looking behind the console's back).</summary>
    public string AdminConnectionString { get; private set; } = "";

    public static string UserFor(string role) => Accounts.Single(a => a.Role == role).User;

    public async Task InitializeAsync()
    {
        var governance = await TestPostgres.CreateDatabaseAsync("web");
        _databases.Add(governance);
        var migrator = new GovernanceMigrator(governance, NullLogger.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        await HangfireSchema.InstallAsync(governance, "hangfire", CancellationToken.None);
        await migrator.ApplyGrantsAsync("hangfire", CancellationToken.None);
        await MigratedDatabase.GiveAppRoleThePasswordAsync(governance);
        AdminConnectionString = governance;

        // The console runs as the application role, as it does in production.
        Settings["ConnectionStrings:Governance"] = MigratedDatabase.AppConnection(governance);
        Settings["Governance:DataDirectory"] = Work;
        Settings["DataMap:Directory"] = PoliciesFolder(); // outside Development the console never searches for it
        Settings["Jobs:RunServer"] = "false";
        Settings["Authentication:Mode"] = "Local";
        var stores = new List<ResolvedStore>();
        foreach (var region in new[] { "eu", "us", "cn" })
        {
            var cs = await TestPostgres.CreateDatabaseAsync($"web_{region}");
            _databases.Add(cs);
            Settings[$"ChatStores:{region}:Region"] = region;
            Settings[$"ChatStores:{region}:ConnectionString"] = cs;
            stores.Add(new ResolvedStore(region, region, cs, Path.Combine(Work, "blobs", region)));
        }

        await using (var registry = new ChatStoreRegistry(stores))
        {
            await new DemoSeeder(registry, NullLogger<DemoSeeder>.Instance)
                .SeedAsync(new DemoSeedOptions(60, 2_000, 5, new DateOnly(2026, 11, 28), false), CancellationToken.None);
        }

        var database = new GovernanceDatabase(NpgsqlDataSource.Create(Settings["ConnectionStrings:Governance"]!));
        var accounts = new LocalAccountService(new LocalAccountStore(database), database, new AuditLog(database, new AuditSealSignal()),
            Options.Create(new LocalAccountOptions()), TimeProvider.System);
        foreach (var (user, role) in Accounts)
        {
            await accounts.AddAsync(user, Password, [role], AuditActor.System("test"), CancellationToken.None);
        }

        ApiKey = (await new Governance.Core.Requests.ApiClients(database, new AuditLog(database, new AuditSealSignal()))
            .AddAsync("chat-test", AuditActor.System("test"), CancellationToken.None)).Key;
    }

    private GovernanceDatabase AppDatabase() => new(NpgsqlDataSource.Create(Settings["ConnectionStrings:Governance"]!));

    /// <summary>The audit actor id of a local account (<c>local:&lt;id&gt;</c>), as signed download links name it.</summary>
    public async Task<string> ActorIdAsync(string user) =>
        "local:" + await TestPostgres.ScalarAsync<long>(AdminConnectionString, $"select id from gov.local_accounts where user_name = '{user}'");

    /// <summary>A new local account of its own for a test that disables it or changes its roles.</summary>
    public async Task<string> NewAccountAsync(string role)
    {
        var database = AppDatabase();
        var name = "temp-" + Guid.NewGuid().ToString("N")[..10];
        await new LocalAccountService(new LocalAccountStore(database), database, new AuditLog(database, new AuditSealSignal()),
            Options.Create(new LocalAccountOptions()), TimeProvider.System).AddAsync(name, Password, [role], AuditActor.System("test"), CancellationToken.None);
        return name;
    }

    /// <summary>The Admin's account administration, outside the console (as the command line would do it).</summary>
    public AccountAdministration Administration()
    {
        var database = AppDatabase();
        return new AccountAdministration(database, new AuditLog(database, new AuditSealSignal()), new SignInSessions(database, TimeProvider.System), TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        foreach (var cs in _databases)
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }

        if (Directory.Exists(Work))
        {
            Directory.Delete(Work, recursive: true);
        }
    }

    /// <summary>The repository's policies/datamap, found above the test binaries.</summary>
    public static string PoliciesFolder() => RepositoryFolders.Policies();
}
