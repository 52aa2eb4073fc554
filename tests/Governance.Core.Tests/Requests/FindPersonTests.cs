using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.Database.Embedded;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Tests.DataMap;
using Governance.Core.Tests.Demo;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Governance.Core.Tests.Requests;

public sealed class FindPersonTests(SeededStores stores, MigratedDatabase db) : IClassFixture<SeededStores>, IClassFixture<MigratedDatabase>
{
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:3", ["PrivacyOfficer"], "192.0.2.3");

    private FindPerson Finder(ChatStoreRegistry registry, DataMapCatalog maps)
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        return new FindPerson(registry, maps, new AuditLog(database, new AuditSealSignal()));
    }

    [Fact]
    public async Task SearchAsync_FindsThePersonInTheirStoreOnly_WithCounts_AndReportsAStoreThatCannotBeSearched()
    {
        var eu = stores.Registry.Get("eu").DataSource;
        await using var connection = await eu.OpenConnectionAsync();
        var (id, email) = await connection.QuerySingleAsync<(long, string)>(
            "select u.id, u.email from users u join messages m on m.sender_id = u.id group by u.id, u.email order by count(*) desc limit 1");
        // Rows where the person appears: the messages they wrote and other people's messages that mention them.
        var messages = await connection.ExecuteScalarAsync<long>(
            "select (select count(*) from messages where sender_id = @id) + (select count(*) from messages where mentions @> array[@id])", new { id });
        var broken = $"Host=127.0.0.1;Port={EmbeddedCluster.FreePort()};Username=postgres;Database=none;Timeout=2";
        await using var registry = new ChatStoreRegistry(stores.ConnectionStrings.Select(kv => new ResolvedStore(kv.Key, kv.Key, kv.Value, stores.BlobRoot))
            .Append(new ResolvedStore("us", "us-west", broken, stores.BlobRoot)).DistinctBy(s => s.Name).Concat([new ResolvedStore("zz", "zz", broken, stores.BlobRoot)]));
        var maps = new DataMapCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));

        var found = await Finder(registry, maps).SearchAsync(IdentityKind.Email, email.ToUpperInvariant(), Officer, null, CancellationToken.None);

        var euMatch = found.Single(f => f.Store == "eu");
        Assert.Equal([id.ToString(System.Globalization.CultureInfo.InvariantCulture)], euMatch.PersonIds);
        Assert.Equal(messages, euMatch.RowsByCollection["messages"]);
        Assert.Empty(found.Single(f => f.Store == "cn").PersonIds);
        Assert.Null(found.Single(f => f.Store == "cn").Problem);
        Assert.Equal("no data map names this store", found.Single(f => f.Store == "zz").Problem);
    }

    [Fact]
    public async Task SearchAsync_StoreUnreachable_IsReportedNotFatal()
    {
        var broken = $"Host=127.0.0.1;Port={EmbeddedCluster.FreePort()};Username=postgres;Database=none;Timeout=2";
        await using var registry = new ChatStoreRegistry([new ResolvedStore("eu", "eu", broken, stores.BlobRoot), new ResolvedStore("cn", "cn", stores.ConnectionStrings["cn"], stores.BlobRoot)]);
        var maps = new DataMapCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));

        var found = await Finder(registry, maps).SearchAsync(IdentityKind.Email, "nobody@example.org", Officer, null, CancellationToken.None);

        Assert.Equal("unreachable", found.Single(f => f.Store == "eu").Problem);
        Assert.Null(found.Single(f => f.Store == "cn").Problem);
    }

    [Fact]
    public async Task SearchAsync_AQualifiedIdInStoresOfNumericIds_FindsNobody_WithoutAnError()
    {
        var maps = new DataMapCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));

        var found = await Finder(stores.Registry, maps).SearchAsync(IdentityKind.UserId, "@alice:example.org", Officer, null, CancellationToken.None);

        Assert.All(found, f => Assert.Null(f.Problem));
        Assert.All(found, f => Assert.Empty(f.PersonIds));
    }

    [Fact]
    public async Task SearchAsync_ByExternalId_WhereNoMapDeclaresIt_SaysSoPerStore()
    {
        var maps = new DataMapCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));

        var found = await Finder(stores.Registry, maps).SearchAsync(IdentityKind.ExternalId, "EMP-1", Officer, null, CancellationToken.None);

        Assert.All(found, f => Assert.Equal("no external-id identity in this store's map", f.Problem));
    }

    [Fact]
    public async Task SearchAsync_IsAudited_WithTheKindAndWhereFound_NeverTheValue()
    {
        var maps = new DataMapCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));
        var email = await TestPostgres.ScalarAsync<string>(stores.ConnectionStrings["us"], "select email from users order by id limit 1");
        var request = Guid.CreateVersion7();
        var before = await TestPostgres.ScalarAsync<long>(db.ConnectionString, "select count(*) from gov.audit_log where action = 'person.search'");

        await Finder(stores.Registry, maps).SearchAsync(IdentityKind.Email, email, Officer, request, CancellationToken.None);

        Assert.Equal(before + 1, await TestPostgres.ScalarAsync<long>(db.ConnectionString, "select count(*) from gov.audit_log where action = 'person.search'"));
        var entry = await TestPostgres.ScalarAsync<string>(db.ConnectionString,
            $"select actor_id || '|' || request_id || '|' || (details->>'kind') || '|' || (details->'foundIn')::text from gov.audit_log where action = 'person.search' and request_id = '{request}'");
        Assert.Equal($"local:3|{request}|email|[\"us\"]", entry);
        var local = email.Split('@')[0];
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where details::text ilike '%{local}%'"));
    }
}
