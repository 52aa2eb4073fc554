using System.Net;
using System.Text.Json;
using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Health;

public sealed class HealthEndpointTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task GetHealth_Anonymous_AnswersTheStatusOnly_NamingNoStore()
    {
        var response = await _factory.Anonymous().GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"Healthy\"}", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await _factory.Anonymous().GetAsync("/health/details")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await _factory.SignedInAsync("auditor")).GetAsync("/health/details")).StatusCode);
    }

    [Fact]
    public async Task GetHealthDetails_AsAdmin_ReportsGovernanceDatabaseAndEveryStore()
    {
        var response = await (await _factory.SignedInAsync("admin")).GetAsync("/health/details");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        var stores = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "chat-stores");
        Assert.Equal(["cn", "eu", "us"], stores.GetProperty("data").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task GetHealth_StoreUnreachable_Is503AndNamesTheStore()
    {
        var settings = new Dictionary<string, string?>(databases.Settings)
        {
            ["ChatStores:us:ConnectionString"] = $"Host=127.0.0.1;Port={Governance.Core.Database.Embedded.EmbeddedCluster.FreePort()};Username=postgres;Database=none;Timeout=2",
        };
        using var broken = new ConsoleFactory(settings);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await broken.Anonymous().GetAsync("/health")).StatusCode);
        var response = await (await broken.SignedInAsync("admin")).GetAsync("/health/details");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("chat stores unreachable: us", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
