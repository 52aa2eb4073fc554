using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Demo;
using Governance.Core.Erasure;
using Governance.Core.Holds;
using Governance.Core.Requests;
using Governance.Core.Tests.Demo;
using Governance.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Governance.Core.Tests.Erasure;

/// <summary>
/// Seeded reference chat stores (eu, us, cn, with their files), a migrated governance database, and the erasure
/// services wired to them as the console wires them; requests are written by direct SQL as intake would leave them.
/// </summary>
public sealed class ErasureWorld : IAsyncDisposable
{
    public static readonly DemoSeedOptions Seed = new(120, 6_000, 3, new DateOnly(2026, 11, 28), false);

    private readonly Dictionary<string, string> _connections = [];

    private ErasureWorld(string label)
    {
        Blobs = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), $"blobs-{label}-{Guid.NewGuid():N}"[..24]);
    }

    public string Blobs { get; }

    public ChatStoreRegistry Stores { get; private set; } = null!;

    public string Admin { get; private set; } = "";

    /// <summary>The application role's connection to the governance database (with its password), for a console process.</summary>
    public string App { get; private set; } = "";

    public GovernanceDatabase Database { get; private set; } = null!;

    public AuditLog Audit { get; private set; } = null!;

    public LegalHolds Holds { get; private set; } = null!;

    public StoreErasure Runner { get; private set; } = null!;

    public RequestErasure Erasure { get; private set; } = null!;

    public DataMapCatalog Catalog { get; private set; } = null!;

    public IOptions<DataMapOptions> Options { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> StoreConnections => _connections;

    public static async Task<ErasureWorld> CreateAsync(string label, int batchSize = 25, string? pseudonymKey = null)
    {
        var world = new ErasureWorld(label);
        world.Stores = await SeededStores.RegistryAsync(label, world.Blobs, world._connections);
        await new DemoSeeder(world.Stores, NullLogger<DemoSeeder>.Instance).SeedAsync(Seed, CancellationToken.None);
        var (admin, app) = await MigratedDatabase.CreateAsync("gov_" + label);
        world.Admin = admin;
        world.App = app;
        world.Database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
        world.Audit = new AuditLog(world.Database, new AuditSealSignal());
        world.Holds = new LegalHolds(world.Database, world.Audit, TimeProvider.System);
        world.Runner = new StoreErasure(world.Database, world.Holds, new ErasureOptions { BatchSize = batchSize });
        var options = Microsoft.Extensions.Options.Options.Create(new DataMapOptions
        {
            Directory = RepositoryFolders.Policies(),
            PseudonymKey = pseudonymKey ?? Convert.ToBase64String(TestKeys.PseudonymKey),
        });
        world.Options = options;
        world.Catalog = new DataMapCatalog(options);
        world.Erasure = new RequestErasure(world.Database, new PersonLocator(world.Stores, world.Catalog), world.Catalog, options, world.Runner,
            new TransitionRequest(world.Database, world.Audit, TimeProvider.System, Support.ShippedRegulations.Catalog()), world.Audit);
        return world;
    }

    /// <summary>An erasure request as intake and review leave it: verified and in the given state.</summary>
    public async Task<Guid> RequestAsync(string? userId, string? email, string state = "Approved", string type = "erasure")
    {
        var id = Guid.CreateVersion7();
        await using var owner = new NpgsqlConnection(Admin);
        await owner.ExecuteAsync("""
            insert into gov.requests (id, reference, regime, type, state, channel, subject_email, subject_user_id, received_at, received_on, due_on, due_at, identity_verified)
            values (@id, @reference, 'gdpr', @type, @state, 'web-form', @email, @userId, now(), current_date, current_date + 30, now() + interval '30 days', true)
            """, new { id, reference = "DSR-" + id.ToString("N")[^10..], type, state, email, userId });
        return id;
    }

    public async Task<string> StateAsync(Guid request) =>
        await TestPostgres.ScalarAsync<string>(Admin, $"select state from gov.requests where id = '{request}'");

    /// <summary>md5 of every row of every table of a store, by table: the store's whole content, to compare.</summary>
    public async Task<Dictionary<string, string>> FingerprintAsync(string store)
    {
        await using var connection = new NpgsqlConnection(_connections[store]);
        var tables = await connection.QueryAsync<string>("select tablename from pg_tables where schemaname = 'public' order by 1");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in tables)
        {
            result[t] = await connection.ExecuteScalarAsync<string>($"select coalesce(md5(string_agg(md5(x::text), '' order by md5(x::text))), '-') from \"{t}\" x") ?? "-";
        }

        return result;
    }

    public async Task<T> StoreScalarAsync<T>(string store, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(_connections[store]);
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException("no value");
    }

    /// <summary>The person in eu with the most messages (group conversations included) among those who shared files in two conversations or more, with their e-mail.</summary>
    public async Task<(long Id, string Email)> BusiestPersonAsync(string store = "eu")
    {
        await using var connection = new NpgsqlConnection(_connections[store]);
        return await connection.QuerySingleAsync<(long, string)>("""
            select u.id, u.email from users u join messages m on m.sender_id = u.id
            where (select count(distinct f.conversation_id) from attachments a join messages f on f.id = a.message_id where a.uploader_id = u.id) >= 2
            group by u.id, u.email order by count(*) desc, u.id limit 1
            """);
    }

    /// <summary>The settings a console process needs to work on this world (its databases, stores, files, map and key).</summary>
    public Dictionary<string, string> ProcessSettings(int batchSize)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ConnectionStrings__Governance"] = App,
            ["ConnectionStrings__GovernanceAdmin"] = Admin,
            ["DataMap__Directory"] = RepositoryFolders.Policies(),
            ["DataMap__PseudonymKey"] = Convert.ToBase64String(TestKeys.PseudonymKey),
            ["Erasure__BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Governance__DataDirectory"] = Path.Combine(Blobs, "console"),
            ["EmbeddedPostgres__AutoStart"] = "false",
        };
        foreach (var (store, cs) in _connections)
        {
            settings[$"ChatStores__{store}__Region"] = store;
            settings[$"ChatStores__{store}__ConnectionString"] = cs;
            settings[$"ChatStores__{store}__BlobRoot"] = Path.Combine(Blobs, store);
        }

        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await Stores.DisposeAsync();
        await Database.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        foreach (var cs in _connections.Values)
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }

        await TestPostgres.DropDatabaseAsync(Admin);
        if (Directory.Exists(Blobs))
        {
            Directory.Delete(Blobs, recursive: true);
        }
    }
}
