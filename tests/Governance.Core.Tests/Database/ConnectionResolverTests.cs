using Governance.Core.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Governance.Core.Tests.Database;

public sealed class ConnectionResolverTests
{
    private static ConnectionResolver Resolver(Dictionary<string, string?> values) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), NullLoggerFactory.Instance);

    [Fact]
    public async Task ResolveAsync_AllConfigured_UsesThemAndStartsNothing()
    {
        var resolver = Resolver(new()
        {
            ["ConnectionStrings:Governance"] = "Host=db.internal;Database=gov;Username=app",
            ["ChatStores:eu:Region"] = "eu",
            ["ChatStores:eu:ConnectionString"] = "Host=chat-eu.internal;Database=chat",
            ["ChatStores:eu:BlobRoot"] = "/srv/blobs/eu",
            ["Governance:DataDirectory"] = "/nonexistent/data",
        });

        var resolved = await resolver.ResolveAsync(startEmbedded: false, CancellationToken.None);

        Assert.False(resolved.UsesEmbedded);
        Assert.Equal("db.internal:5432/gov", ConnectionSummary.Describe(resolved.Governance));
        var store = Assert.Single(resolved.Stores);
        Assert.Equal(("eu", "eu", "/srv/blobs/eu"), (store.Name, store.Region, store.BlobRoot));
    }

    [Fact]
    public async Task ResolveAsync_BrokenConnectionString_NamesTheSettingButNotItsSecret()
    {
        var resolver = Resolver(new()
        {
            ["ConnectionStrings:Governance"] = "Host=db;Password=hunter2-secret;Bogus Key=1",
            ["ChatStores:eu:Region"] = "eu",
            ["ChatStores:eu:ConnectionString"] = "Host=chat-eu.internal;Database=chat",
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => resolver.ResolveAsync(false, CancellationToken.None));

        Assert.Contains("ConnectionStrings:Governance", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_EmbeddedNeededButNotRunning_SaysHowToStartIt()
    {
        var dir = Path.Combine(Path.GetTempPath(), "gov-none-" + Guid.NewGuid().ToString("N"));
        var resolver = Resolver(new() { ["Governance:DataDirectory"] = dir });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => resolver.ResolveAsync(false, CancellationToken.None));

        Assert.Contains("./gov db start", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Theory]
    [InlineData("EU", "Region", "eu")]
    [InlineData("eu", "Region", "")]
    public void StoreOptions_InvalidNameOrRegion_NamesTheSetting(string name, string key, string value)
    {
        var resolver = Resolver(new() { [$"ChatStores:{name}:{key}"] = value, [$"ChatStores:{name}:ConnectionString"] = "Host=x" });

        var error = Assert.Throws<InvalidOperationException>(() => resolver.StoreOptions());

        Assert.StartsWith($"ChatStores:{name}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StoreOptions_ASettingsFileNamingStores_ReplacesTheDemoSet()
    {
        // A settings file layered over another that names none: only the stores it names.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ChatStores:matrix:Region"] = "eu", ["ChatStores:matrix:ConnectionString"] = "Host=x" })
            .Build();

        var stores = new ConnectionResolver(configuration, NullLoggerFactory.Instance).StoreOptions();

        Assert.Equal(["matrix"], stores.Select(s => s.Name));
        Assert.Equal(["cn", "eu", "us"], Resolver([]).StoreOptions().Select(s => s.Name).Order(StringComparer.Ordinal));
    }
}
