using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.Demo;
using Governance.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.Core.Tests.Demo;

/// <summary>Three regional stores on the test server, seeded once for the class.</summary>
public sealed class SeededStores : IAsyncLifetime
{
    public static readonly DemoSeedOptions Options = new(Users: 300, Messages: 20_000, Seed: 11, Anchor: new DateOnly(2026, 11, 28), Replace: false);

    public Dictionary<string, string> ConnectionStrings { get; } = [];

    public string BlobRoot { get; } = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "blobs-" + Guid.NewGuid().ToString("N")[..8]);

    public ChatStoreRegistry Registry { get; private set; } = null!;

    public DemoSeedReport Report { get; private set; } = null!;

    public static async Task<ChatStoreRegistry> RegistryAsync(string label, string blobRoot, Dictionary<string, string> connectionStrings)
    {
        foreach (var region in new[] { "eu", "us", "cn" })
        {
            connectionStrings[region] = await TestPostgres.CreateDatabaseAsync($"{label}_{region}");
        }

        return new ChatStoreRegistry(connectionStrings.Select(kv => new ResolvedStore(kv.Key, kv.Key, kv.Value, Path.Combine(blobRoot, kv.Key))));
    }

    public async Task InitializeAsync()
    {
        Registry = await RegistryAsync("seed", BlobRoot, ConnectionStrings);
        Report = await new DemoSeeder(Registry, NullLogger<DemoSeeder>.Instance).SeedAsync(Options, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Registry.DisposeAsync();
        foreach (var cs in ConnectionStrings.Values)
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }

        if (Directory.Exists(BlobRoot))
        {
            Directory.Delete(BlobRoot, recursive: true);
        }
    }
}

public sealed class DemoSeederTests(SeededStores stores) : IClassFixture<SeededStores>
{
    /// <summary>Rows counted in each store with <c>count(*)</c>, summed over the stores.</summary>
    private async Task<Dictionary<string, long>> CountedAsync(string table)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (region, cs) in stores.ConnectionStrings)
        {
            counts[region] = await TestPostgres.ScalarAsync<long>(cs, $"select count(*) from {table}");
        }

        return counts;
    }

    [Fact]
    public async Task SeedAsync_LoadsAllMessagesAcrossRegions_AsCountedInTheStores_AndTheReportSaysTheSame()
    {
        var messages = await CountedAsync("messages");
        var users = await CountedAsync("users");

        Assert.Equal(SeededStores.Options.Messages, messages.Values.Sum());
        Assert.Equal(SeededStores.Options.Users, users.Values.Sum());
        Assert.All(messages, m => Assert.True(m.Value > 0, $"store {m.Key} got no messages"));
        Assert.Equal(messages.Values.Sum(), stores.Report.Total("messages"));
    }

    [Theory]
    [InlineData("select count(*) from messages m where not exists (select 1 from users u where u.id = m.sender_id)")]
    [InlineData("select count(*) from messages m where not exists (select 1 from conversations c where c.id = m.conversation_id)")]
    [InlineData("select count(*) from messages m where m.reply_to_id is not null and not exists (select 1 from messages r where r.id = m.reply_to_id and r.conversation_id = m.conversation_id and r.created_at <= m.created_at)")]
    [InlineData("select count(*) from messages m where not exists (select 1 from conversation_members cm where cm.conversation_id = m.conversation_id and cm.user_id = m.sender_id and cm.joined_at <= m.created_at and (cm.left_at is null or cm.left_at >= m.created_at))")]
    [InlineData("select count(*) from attachments a where not exists (select 1 from messages m where m.id = a.message_id and m.sender_id = a.uploader_id)")]
    [InlineData("select count(*) from conversation_members cm where not exists (select 1 from users u where u.id = cm.user_id)")]
    [InlineData("select count(*) from read_receipts r where r.last_read_message_id is not null and not exists (select 1 from messages m where m.id = r.last_read_message_id and m.conversation_id = r.conversation_id)")]
    [InlineData("select count(*) from reactions r where not exists (select 1 from conversation_members cm join messages m on m.conversation_id = cm.conversation_id where m.id = r.message_id and cm.user_id = r.user_id)")]
    [InlineData("select count(*) from sessions s where not exists (select 1 from devices d where d.id = s.device_id and d.user_id = s.user_id)")]
    [InlineData("select count(*) from contacts c where not exists (select 1 from users u where u.id = c.contact_user_id)")]
    [InlineData("select count(*) from call_participants p where not exists (select 1 from calls c where c.id = p.call_id)")]
    [InlineData("select count(*) from ai_interactions a where not exists (select 1 from users u where u.id = a.user_id)")]
    [InlineData("select count(*) from users u where not exists (select 1 from tenants t where t.id = u.tenant_id)")]
    public async Task SeedAsync_EveryReferenceResolvesInsideItsStore(string orphanQuery)
    {
        foreach (var (store, cs) in stores.ConnectionStrings)
        {
            Assert.True(0 == await TestPostgres.ScalarAsync<long>(cs, orphanQuery), $"orphans in store {store}");
        }
    }

    [Fact]
    public async Task SeedAsync_IdsOfMessagesGrowWithTime()
    {
        foreach (var cs in stores.ConnectionStrings.Values)
        {
            var disorder = await TestPostgres.ScalarAsync<long>(cs,
                "select count(*) from (select created_at < lag(created_at) over (order by id) as back from messages) x where back");
            Assert.Equal(0, disorder);
        }
    }

    [Fact]
    public async Task SeedAsync_WritesEveryAttachmentFileWithItsSizeInItsStorageRegion()
    {
        var files = 0;
        foreach (var cs in stores.ConnectionStrings.Values)
        {
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select blob_path, storage_region, size_bytes from attachments", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var file = new FileInfo(Path.Combine(stores.BlobRoot, reader.GetString(1), reader.GetString(0)));
                Assert.True(file.Exists, "an attachment's file is missing");
                Assert.Equal(reader.GetInt64(2), file.Length);
                files++;
            }
        }

        Assert.InRange(files, SeededStores.Options.Messages / 100, SeededStores.Options.Messages / 25); // about 2%
        Assert.Equal(files, stores.Report.Stores.Sum(s => s.Files));
    }

    [Fact]
    public async Task SeedAsync_SpreadsPeopleOverRegionsWithAFewInTheWrongOne()
    {
        long misplaced = 0;
        foreach (var (region, cs) in stores.ConnectionStrings)
        {
            Assert.True(await TestPostgres.ScalarAsync<long>(cs, "select count(*) from users") > 0);
            misplaced += await TestPostgres.ScalarAsync<long>(cs, $"select count(*) from users where home_region <> '{region}'");
        }

        Assert.InRange(misplaced, 1, SeededStores.Options.Users / 20);
    }

    [Fact]
    public async Task SeedAsync_HasChineseAndOtherLanguagesAndAllConversationKinds()
    {
        Assert.True(await TestPostgres.ScalarAsync<long>(stores.ConnectionStrings["cn"], "select count(*) from messages where body ~ '[\\u4e00-\\u9fff]'") > 0);
        Assert.True(await TestPostgres.ScalarAsync<long>(stores.ConnectionStrings["eu"], "select count(*) from messages where body ~ '[äöüéñ]'") > 0);
        Assert.Equal(3, await TestPostgres.ScalarAsync<long>(stores.ConnectionStrings["eu"], "select count(distinct kind) from conversations"));
        var span = await TestPostgres.ScalarAsync<double>(stores.ConnectionStrings["eu"], "select extract(epoch from max(created_at) - min(created_at)) / 86400 from messages");
        Assert.InRange(span, 700, 3 * 366);
    }

    [Fact]
    public async Task SeedAsync_AgainWithoutReplace_IsRefusedAndChangesNothing()
    {
        var before = await TestPostgres.ScalarAsync<long>(stores.ConnectionStrings["eu"], "select count(*) from messages");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new DemoSeeder(stores.Registry, NullLogger<DemoSeeder>.Instance).SeedAsync(SeededStores.Options with { Messages = 10 }, CancellationToken.None));

        Assert.Contains("--replace", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await TestPostgres.ScalarAsync<long>(stores.ConnectionStrings["eu"], "select count(*) from messages"));
        Assert.False(Directory.Exists(Path.Combine(stores.BlobRoot, "eu.seeding")));
    }

    [Theory]
    [InlineData(-5, 100, "--users")]
    [InlineData(2, 100, "--users")]
    [InlineData(100, -1, "--messages")]
    public async Task SeedAsync_BadCounts_AreRefusedBeforeAnythingIsTouched(int users, long messages, string option)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            new DemoSeeder(stores.Registry, NullLogger<DemoSeeder>.Instance).SeedAsync(SeededStores.Options with { Users = users, Messages = messages, Replace = true }, CancellationToken.None));

        Assert.StartsWith(option, error.Message, StringComparison.Ordinal);
        Assert.Equal(SeededStores.Options.Messages, (await CountedAsync("messages")).Values.Sum());
        Assert.True(await TestPostgres.ScalarAsync<long>(stores.ConnectionStrings["us"], "select count(*) from messages") > 0);
    }
}

public sealed class DemoSeederDeterminismTests
{
    private static async Task<Dictionary<string, string>> FingerprintAsync(Dictionary<string, string> stores, string blobRoot)
    {
        var prints = new Dictionary<string, string>();
        foreach (var (region, cs) in stores)
        {
            foreach (var table in new[] { "tenants", "users", "devices", "sessions", "contacts", "conversations", "conversation_members", "messages", "attachments", "reactions", "read_receipts", "calls", "call_participants", "ai_interactions" })
            {
                prints[$"{region}.{table}"] = await TestPostgres.ScalarAsync<string>(cs,
                    $"select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from {table} t");
            }
        }

        prints["files"] = string.Join('|', Directory.EnumerateFiles(blobRoot, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(blobRoot, f) + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))))
            .Order(StringComparer.Ordinal));
        return prints;
    }

    [Fact]
    public async Task SeedAsync_FailingInOneStorePartWay_LeavesEveryStoreAndEveryFileAsItWas()
    {
        var options = new DemoSeedOptions(120, 4_000, 5, new DateOnly(2026, 1, 31), false);
        var work = Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath();
        var blobs = Path.Combine(work, "mid-" + Guid.NewGuid().ToString("N")[..8]);
        var cs = new Dictionary<string, string>();
        var registry = await SeededStores.RegistryAsync("mid", blobs, cs);
        try
        {
            await new DemoSeeder(registry, NullLogger<DemoSeeder>.Instance).SeedAsync(options, CancellationToken.None);
            var before = await FingerprintAsync(cs, blobs);
            // Message ids are global and grow with time: the 'us' store takes its tenants, users, conversations and early
            // messages, then refuses one half-way through its messages, while the other stores load in parallel.
            await TestPostgres.ScalarAsync<int>(cs["us"], "alter table messages add constraint refuse_later check (id < 2000) not valid; select 1");
            Assert.True(await TestPostgres.ScalarAsync<long>(cs["us"], "select count(*) from messages where id < 2000") > 0);

            var error = await Assert.ThrowsAsync<PostgresException>(() =>
                new DemoSeeder(registry, NullLogger<DemoSeeder>.Instance).SeedAsync(options with { Seed = 6, Replace = true }, CancellationToken.None));

            Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
            Assert.Equal(before, await FingerprintAsync(cs, blobs));
            Assert.Empty(Directory.EnumerateDirectories(blobs, "*.seeding"));
        }
        finally
        {
            await registry.DisposeAsync();
            foreach (var c in cs.Values)
            {
                await TestPostgres.DropDatabaseAsync(c);
            }

            if (Directory.Exists(blobs))
            {
                Directory.Delete(blobs, recursive: true);
            }
        }
    }

    [Fact]
    public async Task SeedAsync_SameSeedTwice_GivesIdenticalRowsAndFiles_OtherSeedDiffers()
    {
        var options = new DemoSeedOptions(120, 4_000, 99, new DateOnly(2026, 1, 31), false);
        var work = Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath();
        var runs = new List<(Dictionary<string, string> Stores, string Blobs, ChatStoreRegistry Registry)>();
        try
        {
            foreach (var seed in new ulong[] { 99, 99, 100 })
            {
                var blobs = Path.Combine(work, "det-" + Guid.NewGuid().ToString("N")[..8]);
                var cs = new Dictionary<string, string>();
                var registry = await SeededStores.RegistryAsync("det", blobs, cs);
                runs.Add((cs, blobs, registry));
                await new DemoSeeder(registry, NullLogger<DemoSeeder>.Instance).SeedAsync(options with { Seed = seed }, CancellationToken.None);
            }

            var a = await FingerprintAsync(runs[0].Stores, runs[0].Blobs);
            var b = await FingerprintAsync(runs[1].Stores, runs[1].Blobs);
            var c = await FingerprintAsync(runs[2].Stores, runs[2].Blobs);

            Assert.Equal(a, b);
            Assert.NotEqual(a["eu.messages"], c["eu.messages"]);
            Assert.NotEqual(a["files"], c["files"]);
        }
        finally
        {
            foreach (var run in runs)
            {
                await run.Registry.DisposeAsync();
                foreach (var cs in run.Stores.Values)
                {
                    await TestPostgres.DropDatabaseAsync(cs);
                }

                if (Directory.Exists(run.Blobs))
                {
                    Directory.Delete(run.Blobs, recursive: true);
                }
            }
        }
    }
}
