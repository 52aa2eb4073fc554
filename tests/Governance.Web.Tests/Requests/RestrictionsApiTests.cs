using System.Net;
using System.Text.Json;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Requests;

/// <summary>The restrictions feed the chat system reads: only for API clients, a bad 'since' refused on its field.</summary>
public sealed class RestrictionsApiTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    private HttpClient Client(string? key = null)
    {
        var client = _factory.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", key ?? databases.ApiKey);
        return client;
    }

    [Fact]
    public async Task Restrictions_AreForAuthenticatedClients_RefuseABadSince_AndListTheFlagsChangedSince()
    {
        var request = Guid.NewGuid();
        var flag = Guid.NewGuid();
        await TestPostgres.ScalarAsync<int>(databases.AdminConnectionString, $"""
            insert into gov.requests (id, reference, regime, type, state, channel, subject_user_id, received_at, received_on, due_on, due_at)
            values ('{request}', 'DSR-RST-1', 'gdpr', 'objection', 'ObjectionUpheld', 'api', 'u-77', now(), current_date, current_date + 30, now() + interval '30 days');
            insert into gov.restrictions (id, request_id, kind, applied_at, applied_by, changed_at) values ('{flag}', '{request}', 'objection', now(), 'local:1', '2026-11-30T10:00:00Z');
            insert into gov.restriction_accounts (restriction_id, store, user_id) values ('{flag}', null, 'u-77');
            select 1
            """);

        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.Anonymous().GetAsync("/api/v1/restrictions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client("not-a-key").GetAsync("/api/v1/restrictions")).StatusCode);
        var bad = await Client().GetAsync("/api/v1/restrictions?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("since", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var all = JsonDocument.Parse(await Client().GetStringAsync("/api/v1/restrictions?since=2026-11-30T09:59:59Z"));
        var mine = all.RootElement.GetProperty("restrictions").EnumerateArray().Single(f => f.GetProperty("request").GetString() == "DSR-RST-1");
        Assert.Equal(("objection", true, "u-77"), (mine.GetProperty("kind").GetString(), mine.GetProperty("inForce").GetBoolean(),
            mine.GetProperty("accounts")[0].GetProperty("userId").GetString()));
        using var later = JsonDocument.Parse(await Client().GetStringAsync("/api/v1/restrictions?since=2026-11-30T10:00:00.001Z"));
        Assert.DoesNotContain(later.RootElement.GetProperty("restrictions").EnumerateArray(), f => f.GetProperty("request").GetString() == "DSR-RST-1");
    }
}
