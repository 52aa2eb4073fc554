using Dapper;
using Governance.Core.ChatStores;
using Governance.Core.Database.Embedded;
using Governance.Core.DataMap;
using Governance.Core.Demo;
using Governance.Core.Tests.DataMap;
using Governance.Core.Tests.Demo;
using Governance.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.Core.Tests.ChatStores;

/// <summary>
/// The role the console runs as on a chat store: granted from the data map's plans, it can do everything those
/// plans do (the same outcome as the store's owner, row for row) and nothing else.
/// </summary>
public sealed class StoreAccessTests
{
    private const string Ann = "annannannannannannannannan";

    /// <summary>A role of its own for each test (roles are cluster-wide), with a password, granted on the given store.</summary>
    private static async Task<NpgsqlDataSource> RoleOnAsync(string ownerConnectionString, DataMapDocument? map)
    {
        var store = "t" + Guid.NewGuid().ToString("N")[..12];
        var password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18));
        await StoreAccess.ApplyAsync(ownerConnectionString, store, map, password, CancellationToken.None);
        return NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ownerConnectionString)
        {
            Username = StoreAccess.RoleFor(store),
            Password = password,
            Pooling = false,
        }.ConnectionString);
    }

    /// <summary>md5 of every row of every table in the database, by table: what two runs must agree on.</summary>
    private static async Task<Dictionary<string, string>> EveryRowAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = await connection.QueryAsync<string>(
            "select format('%I.%I', schemaname, tablename) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            result[table] = await connection.ExecuteScalarAsync<string?>($"select string_agg(md5(x::text), ',' order by md5(x::text)) from {table} x") ?? "";
        }

        return result;
    }

    [Theory]
    [InlineData("teamchat", IdentityKind.Email, "ann@example.com")]
    [InlineData("federated", IdentityKind.UserId, "@alice:example.org")]
    public async Task FixtureStore_RoleFromItsMap_AccessesAndErasesExactlyAsTheOwnerDoes(string fixture, IdentityKind kind, string value)
    {
        await using var owner = await FixtureStore.CreateAsync(fixture);
        await using var twin = await FixtureStore.CreateAsync(fixture);
        await using var role = await RoleOnAsync(twin.ConnectionString, twin.Map);

        var access = twin.Planner().Access(kind, value);
        var asOwner = await PlanPreview.RunAsync(access, owner.Store, CancellationToken.None);
        var asRole = await PlanPreview.RunAsync(access, role, CancellationToken.None);
        Assert.Equal(asOwner.Select(s => (s.Order, s.Rows.Count)), asRole.Select(s => (s.Order, s.Rows.Count)));
        Assert.Contains(asRole, s => s.Rows.Count > 0);

        var erase = twin.Planner().Erase(kind, value, TestKeys.Pseudonyms);
        var ownerResults = await PlanRunner.ExecuteAsync(erase, owner.Store, CancellationToken.None);
        var roleResults = await PlanRunner.ExecuteAsync(erase, role, CancellationToken.None);

        Assert.Equal(ownerResults.Select(r => (r.Order, r.Rows)), roleResults.Select(r => (r.Order, r.Rows)));
        Assert.Contains(roleResults, r => r.Action is PlanAction.Delete && r.Rows > 0);
        Assert.Contains(roleResults, r => r.Action is PlanAction.Update or PlanAction.Rewrite && r.Rows > 0);
        Assert.Equal(await EveryRowAsync(owner.ConnectionString), await EveryRowAsync(twin.ConnectionString));
    }

    [Fact]
    public async Task ReferenceStore_RoleFromItsMap_ErasesAndPurgesAsTheOwnerDoes_AndCanDoNothingElse()
    {
        var blobs = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "roles-" + Guid.NewGuid().ToString("N")[..8]);
        var ownerStrings = new Dictionary<string, string>();
        var twinStrings = new Dictionary<string, string>();
        await using var owners = await SeededStores.RegistryAsync("roleo", blobs + "-o", ownerStrings);
        await using var twins = await SeededStores.RegistryAsync("rolet", blobs + "-t", twinStrings);
        try
        {
            var options = new DemoSeedOptions(60, 2_000, 5, new DateOnly(2026, 11, 28), false);
            await new DemoSeeder(owners, NullLogger<DemoSeeder>.Instance).SeedAsync(options, CancellationToken.None);
            await new DemoSeeder(twins, NullLogger<DemoSeeder>.Instance).SeedAsync(options, CancellationToken.None);
            var map = Assert.Single(DataMapLoader.LoadDirectory(DataMapLoaderTests.PoliciesFolder()).Maps);
            await using var role = await RoleOnAsync(twinStrings["eu"], map);

            await using (var connection = new NpgsqlConnection(twinStrings["eu"]))
            {
                var email = await connection.ExecuteScalarAsync<string>(
                    "select u.email from users u join messages m on m.sender_id = u.id group by u.id, u.email order by count(*) desc, u.id limit 1");
                var erase = new DataMapPlanner(map, "eu").Erase(IdentityKind.Email, email!, TestKeys.Pseudonyms);
                await PlanRunner.ExecuteAsync(erase, owners.Get("eu").DataSource, CancellationToken.None);
                await PlanRunner.ExecuteAsync(erase, role, CancellationToken.None);
            }

            var purge = new DataMapPlanner(map, "eu").Purge("messages");
            purge = purge with
            {
                Inputs = new Dictionary<string, object?>(purge.Inputs)
                {
                    [DataMapPlanner.CutoffInput] = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
                    [DataMapPlanner.BatchInput] = 200,
                },
            };
            var purged = await PlanRunner.ExecuteAsync(purge, role, CancellationToken.None);
            var purgedByOwner = await PlanRunner.ExecuteAsync(purge, owners.Get("eu").DataSource, CancellationToken.None);
            Assert.Equal(purgedByOwner.Select(r => (r.Order, r.Rows)), purged.Select(r => (r.Order, r.Rows)));
            Assert.Contains(purged, r => r.Collection == "messages" && r.Action == PlanAction.Delete && r.Rows > 100);
            Assert.Equal(await EveryRowAsync(ownerStrings["eu"]), await EveryRowAsync(twinStrings["eu"]));

            // Nothing beyond the plans: a table the map does not name, columns erasure keeps, rows of a collection no
            // plan deletes (memberships are kept as the conversation's history), emptying a table, making one.
            await using (var owner = new NpgsqlConnection(twinStrings["eu"]))
            {
                await owner.ExecuteAsync("create table public.payroll (id int, salary int); insert into public.payroll values (1, 100)");
            }

            string[] refused =
            [
                "select * from public.payroll",
                "update users set locale = 'xx'",
                "update users set id = id",
                "update messages set sender_id = sender_id",
                "delete from conversation_members",
                "truncate messages",
                "create table public.mine (id int)",
                "insert into users (id) values (-1)",
            ];
            await using var probe = await role.OpenConnectionAsync();
            foreach (var sql in refused)
            {
                var error = await Assert.ThrowsAsync<PostgresException>(() => probe.ExecuteAsync(sql));
                Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {error.SqlState}");
            }
        }
        finally
        {
            foreach (var cs in ownerStrings.Values.Concat(twinStrings.Values))
            {
                await TestPostgres.DropDatabaseAsync(cs);
            }

            foreach (var dir in new[] { blobs + "-o", blobs + "-t" }.Where(Directory.Exists))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Regranting_AfterACollectionLeavesTheMap_TakesItsTableOutOfReach()
    {
        await using var fx = await FixtureStore.CreateAsync("teamchat");
        await using var role = await RoleOnAsync(fx.ConnectionString, fx.Map);
        var store = new NpgsqlConnectionStringBuilder(role.ConnectionString).Username![StoreAccess.RolePrefix.Length..];
        await using (var connection = await role.OpenConnectionAsync())
        {
            Assert.True(await connection.ExecuteScalarAsync<long>("select count(*) from sessions") > 0);
        }

        var narrower = fx.Map with { Collections = fx.Map.Collections.Where(c => c.Name != "sessions").ToList() };
        var grants = await StoreAccess.ApplyAsync(fx.ConnectionString, store, narrower, null, CancellationToken.None);

        Assert.DoesNotContain(grants, g => g.Table == "sessions");
        await using var after = await role.OpenConnectionAsync();
        var error = await Assert.ThrowsAsync<PostgresException>(() => after.ExecuteScalarAsync<long>("select count(*) from sessions"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal(await fx.TruthAsync($"select id from posts where userid = '{Ann}'"),
            (await after.QueryAsync<string>($"select id from posts where userid = '{Ann}'")).Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("\"email\" = @pseudonym_1, \"phone\" = null", new[] { "email", "phone" })]
    [InlineData("\"a,b\" = coalesce(\"x\", 'y, \"z\" = 1'), \"c\" = array(select v from unnest(\"c\") u(v) where v <> all(@s))", new[] { "a,b", "c" })]
    [InlineData("\"say \"\"hi\"\"\" = 'x'", new[] { "say \"hi\"" })]
    public void AssignedColumns_ReadsTheColumnOfEachTopLevelAssignment(string set, string[] expected)
    {
        Assert.Equal(expected, PlanStep.AssignedColumns(set));
    }

    [Fact]
    public void ScramVerifier_MatchesRfc7677sTestVector()
    {
        // RFC 7677, section 3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
        var verifier = ClusterSecrets.ScramVerifier("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);

        // The RFC gives the client and server proofs; the stored and server keys below are derived from its
        // SaltedPassword by the same definitions (StoredKey = H(HMAC(SaltedPassword, "Client Key"))), checked here
        // through the server signature the RFC prints: HMAC(ServerKey, AuthMessage) = 6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=.
        var serverKey = Convert.FromBase64String(verifier.Split(':')[^1]);
        const string AuthMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        var signature = System.Security.Cryptography.HMACSHA256.HashData(serverKey, System.Text.Encoding.ASCII.GetBytes(AuthMessage));

        Assert.StartsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", verifier, StringComparison.Ordinal);
        Assert.Equal("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Convert.ToBase64String(signature));
    }
}
