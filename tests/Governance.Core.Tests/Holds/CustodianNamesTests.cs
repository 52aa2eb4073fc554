using Dapper;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.Database.Embedded;
using Governance.Core.DataMap;
using Governance.Core.Holds;
using Governance.Core.Tests.DataMap;
using Microsoft.Extensions.Options;

namespace Governance.Core.Tests.Holds;

/// <summary>Custodians named as their chat stores name people, on a schema that keeps the name apart from the account.</summary>
public sealed class CustodianNamesTests
{
    private static HoldScope User(string id, string? store = "fed") => new(HoldScopeKind.User, id, store);

    [Fact]
    public async Task AFederatedStore_NamesFromItsProfileTable_ThroughTheDerivedLocalpart_ReadingOnlyTheIdsAsked()
    {
        // Accounts are '@localpart:server'; their display names live in profiles, keyed by the bare localpart.
        await using var fixture = await FixtureStore.CreateAsync("federated");
        await using (var connection = await fixture.Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                insert into users (name, creation_ts) values ('@ana:example.org', 1), ('@bo:example.org', 1), ('@cy:example.org', 1);
                insert into profiles (user_id, displayname) values ('ana', 'Ana Silva'), ('bo', null), ('cy', 'Cy Young');
                """);
        }

        var folder = Directory.CreateTempSubdirectory("maps-").FullName;
        // A second store under the same map that does not answer: listed, and the first still named.
        await File.WriteAllTextAsync(Path.Combine(folder, "federated.yaml"), FixtureStore.MapText("federated").Replace("stores: [fed]", "stores: [fed, gone]", StringComparison.Ordinal));
        var broken = $"Host=127.0.0.1;Port={EmbeddedCluster.FreePort()};Username=postgres;Database=none;Timeout=2";
        await using var registry = new ChatStoreRegistry([new ResolvedStore("fed", "eu", fixture.ConnectionString, folder), new ResolvedStore("gone", "us", broken, folder)]);
        var names = new CustodianNames(registry, new DataMapCatalog(Options.Create(new DataMapOptions { Directory = folder })));

        var found = await names.FindAsync(
            [User("@ana:example.org"), User("@bo:example.org"), User("@zed:example.org"), User("@ana:example.org", store: null), new HoldScope(HoldScopeKind.Conversation, "!room:example.org", "fed")],
            CancellationToken.None);

        Assert.Equal("Ana Silva", found.Of(User("@ana:example.org")));
        Assert.Equal("Ana Silva", found.Of(User("@ana:example.org", store: null))); // held in every store: named by the store that knows the id
        Assert.Null(found.Of(User("@bo:example.org"))); // a profile without a name
        Assert.Null(found.Of(User("@zed:example.org"))); // no such account
        Assert.Equal([("fed", "@ana:example.org")], found.Names.Keys); // '@cy' was not asked for, so not read
        Assert.Equal(["gone"], found.Unreachable);
    }

    [Fact]
    public async Task NoCustodians_AsksNoStore()
    {
        await using var registry = new ChatStoreRegistry([new ResolvedStore("gone", "us", $"Host=127.0.0.1;Port={EmbeddedCluster.FreePort()};Username=postgres;Database=none;Timeout=2", Path.GetTempPath())]);
        var names = new CustodianNames(registry, new DataMapCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() })));

        var found = await names.FindAsync([new HoldScope(HoldScopeKind.Tenant, "t-1")], CancellationToken.None);

        Assert.Empty(found.Names);
        Assert.Empty(found.Unreachable);
    }
}
