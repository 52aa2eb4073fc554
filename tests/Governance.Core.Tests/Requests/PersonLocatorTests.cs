using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.Database.Embedded;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;

namespace Governance.Core.Tests.Requests;

public sealed class PersonLocatorTests
{
    [Fact]
    public async Task Locate_WithAStoreThatCannotBeReached_StopsNamingTheStore_InsteadOfTakingItForOneWhereThePersonIsNot()
    {
        var closed = $"Host=127.0.0.1;Port={EmbeddedCluster.FreePort()};Username=postgres;Database=none;Timeout=2";
        await using var stores = new ChatStoreRegistry([new ResolvedStore("eu", "eu", closed, Path.GetTempPath())]);
        var locator = new PersonLocator(stores, new DataMapCatalog(Options.Create(new DataMapOptions { Directory = RepositoryFolders.Policies() })));
        var request = new RequestSubject(Guid.CreateVersion7(), "DSR-2026-000001", "erasure", "Approved", "someone@example.org", null, null);

        var refused = await Assert.ThrowsAsync<ValidationException>(() => locator.LocateAsync(request, CancellationToken.None));

        Assert.Equal("eu", Assert.Single(refused.Errors.Keys));
        Assert.DoesNotContain("someone@example.org", refused.Messages(), StringComparison.Ordinal);
    }
}
