using Dapper;
using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Governance.Core.Demo;
using Governance.Core.Tests.Demo;
using Governance.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.Core.Tests.DataMap;

/// <summary>The shipped map's erasure plan, executed on a seeded reference store with its real foreign keys, against ground truth by direct SQL.</summary>
public sealed class ReferenceStoreErasureTests : IAsyncLifetime
{
    private readonly Dictionary<string, string> _connections = [];
    private readonly string _blobs = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "blobs-erase-" + Guid.NewGuid().ToString("N")[..8]);
    private ChatStoreRegistry _registry = null!;

    public async Task InitializeAsync()
    {
        _registry = await SeededStores.RegistryAsync("erase", _blobs, _connections);
        await new DemoSeeder(_registry, NullLogger<DemoSeeder>.Instance).SeedAsync(new DemoSeedOptions(120, 6_000, 3, new DateOnly(2026, 11, 28), false), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        foreach (var cs in _connections.Values)
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }

        if (Directory.Exists(_blobs))
        {
            Directory.Delete(_blobs, recursive: true);
        }
    }

    [Fact]
    public async Task ErasurePlan_Executed_KeepsEveryForeignKey_AndLeavesNoneOfThePersonsData()
    {
        var store = _registry.Get("eu").DataSource;
        await using var connection = await store.OpenConnectionAsync();
        var (person, email) = await connection.QuerySingleAsync<(long, string)>(
            "select u.id, u.email from users u join messages m on m.sender_id = u.id group by u.id, u.email order by count(*) desc, u.id limit 1");
        var before = await connection.QuerySingleAsync<(long Messages, long Others, long Attachments)>("""
            select (select count(*) from messages where sender_id = @person), (select count(*) from messages where sender_id <> @person),
                   (select count(*) from attachments where uploader_id = @person)
            """, new { person });
        var othersBefore = await connection.QueryAsync<(long, string)>("select id, md5(m::text) from messages m where sender_id <> @person and not (coalesce(mentions, '{}') @> array[@person])", new { person });
        var map = Assert.Single(DataMapLoader.LoadDirectory(DataMapLoaderTests.PoliciesFolder()).Maps);
        var plan = new DataMapPlanner(map, "eu", await StoreSchema.LoadAsync(store, CancellationToken.None)).Erase(IdentityKind.Email, email.ToUpperInvariant(), TestKeys.Pseudonyms);

        var results = await PlanRunner.ExecuteAsync(plan, store, CancellationToken.None);

        var after = await connection.QuerySingleAsync<(long Devices, long Sessions, long Attachments, long Reactions, long Receipts, long Ai, long Contacts, long Bodies, long Mentions, long Email)>("""
            select (select count(*) from devices where user_id = @person), (select count(*) from sessions where user_id = @person),
                   (select count(*) from attachments where uploader_id = @person), (select count(*) from reactions where user_id = @person),
                   (select count(*) from read_receipts where user_id = @person), (select count(*) from ai_interactions where user_id = @person),
                   (select count(*) from contacts where user_id = @person or contact_user_id = @person),
                   (select count(*) from messages where sender_id = @person and body <> '[message deleted]'),
                   (select count(*) from messages where mentions @> array[@person]),
                   (select count(*) from users where id = @person and (email = @email or display_name <> 'Deleted user' or phone is not null or last_login_ip is not null))
            """, new { person, email });
        Assert.Equal((0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L), after);
        // Shared history keeps its shape: every message stays; others' messages that do not mention the person are byte-identical.
        Assert.Equal(before.Messages + before.Others, await connection.ExecuteScalarAsync<long>("select count(*) from messages"));
        var othersAfter = (await connection.QueryAsync<(long, string)>("select id, md5(m::text) from messages m where id = any(@ids)",
            new { ids = othersBefore.Select(o => o.Item1).ToArray() })).ToDictionary(x => x.Item1, x => x.Item2);
        Assert.All(othersBefore, o => Assert.Equal(o.Item2, othersAfter[o.Item1]));
        Assert.Equal(before.Attachments, results.Where(r => r.Collection == "attachments").SelectMany(r => r.Files).Count());
    }
}
