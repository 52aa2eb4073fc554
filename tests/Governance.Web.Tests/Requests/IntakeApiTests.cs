using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Requests;

public sealed class IntakeApiTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    private HttpClient Client(string? key = null, string? idempotencyKey = null)
    {
        var client = _factory.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", key ?? databases.ApiKey);
        if (idempotencyKey is not null)
        {
            client.DefaultRequestHeaders.Add("Idempotency-Key", idempotencyKey);
        }

        return client;
    }

    private Task<long> CountAsync() => TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.requests");

    [Fact]
    public async Task Post_ValidRequest_Is201WithDeadlines_StoredAndAudited()
    {
        var response = await Client().PostAsJsonAsync("/api/v1/requests", new
        {
            regime = "gdpr", type = "erasure", email = "Jane.Doe@Example.org", receivedAt = "2026-01-31T10:00:00+01:00",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = json.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("2026-03-02", json.RootElement.GetProperty("dueOn").GetString()); // 28 Feb 2026 is a Saturday
        Assert.StartsWith("DSR-2026-", json.RootElement.GetProperty("reference").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, $"select count(*) from gov.requests where id = '{id}' and state = 'Received' and channel = 'api'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, $"select count(*) from gov.audit_log where action = 'request.create' and request_id = '{id}' and actor_id like 'api-client:%'"));
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.audit_log where details::text ilike '%jane%'"));
    }

    [Fact]
    public async Task PostErasure_ByTheSubmittingClient_StartsOnlyOnceApproved_AndHandsTheRunToTheJobServer()
    {
        var email = await TestPostgres.ScalarAsync<string>(databases.Settings["ChatStores:eu:ConnectionString"]!, "select email from users order by id desc limit 1");
        var settings = new Dictionary<string, string?>(databases.Settings) { ["DataMap:PseudonymKey"] = Convert.ToBase64String(TestKeys.PseudonymKey) };
        using var factory = new ConsoleFactory(settings);
        var client = factory.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", databases.ApiKey);
        var created = await client.PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr", type = "erasure", email });
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        var early = await client.PostAsync($"/api/v1/requests/{id}/erasure", null);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("\"state\"", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("Received", await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString, $"select state from gov.requests where id = '{id}'"));
        var stranger = factory.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.PostAsync($"/api/v1/requests/{id}/erasure", null)).StatusCode);

        // Staff verify and approve it (as the request page would leave it).
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"with u as (update gov.requests set state = 'Approved', identity_verified = true where id = '{id}' returning 1) select count(*) from u"));
        var started = await client.PostAsync($"/api/v1/requests/{id}/erasure", null);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("Processing", JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString());
        Assert.Equal("Processing", await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString, $"select state from gov.requests where id = '{id}'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"select count(*) from hangfire.job where invocationdata::text like '%ErasureJob%' and arguments::text like '%{id}%'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"select count(*) from gov.audit_log where action = 'request.transition' and request_id = '{id}' and actor_id like 'api-client:%' and details->>'to' = 'Processing'"));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/v1/requests/{id}/erasure", null)).StatusCode); // once
    }

    [Fact]
    public async Task PostExport_ByTheSubmittingClient_StartsAnApprovedAccessRequest_ButNotAnErasureRequest()
    {
        var email = await TestPostgres.ScalarAsync<string>(databases.Settings["ChatStores:eu:ConnectionString"]!, "select email from users order by id desc limit 1 offset 1");
        var client = Client();
        var access = JsonDocument.Parse(await (await client.PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr", type = "access", email })).Content.ReadAsStringAsync())
            .RootElement.GetProperty("id").GetString()!;
        var erasure = JsonDocument.Parse(await (await client.PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr", type = "erasure", email })).Content.ReadAsStringAsync())
            .RootElement.GetProperty("id").GetString()!;
        Assert.Equal(2, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"with u as (update gov.requests set state = 'Approved', identity_verified = true where id in ('{access}', '{erasure}') returning 1) select count(*) from u"));

        var wrongKind = await client.PostAsync($"/api/v1/requests/{erasure}/export", null);
        var started = await client.PostAsync($"/api/v1/requests/{access}/export", null);

        Assert.Equal(HttpStatusCode.Conflict, wrongKind.StatusCode);
        Assert.Contains("\"type\"", await wrongKind.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, $"{started.StatusCode}: {_factory.Errors}");
        Assert.Equal("Processing", await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString, $"select state from gov.requests where id = '{access}'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"select count(*) from hangfire.job where invocationdata::text like '%ExportJob%' and arguments::text like '%{access}%'"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("gov_not-a-real-key")]
    public async Task Post_WithoutAValidKey_Is401AndWritesNothing(string? key)
    {
        var before = await CountAsync();
        var client = _factory.Anonymous();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        var response = await client.PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr", type = "access", email = "a@example.org" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, await CountAsync());
    }

    [Theory]
    [InlineData("{\"regime\":\"gdpr\",\"type\":\"access\",\"email\":\"not-an-email\"}", "email")]
    [InlineData("{\"regime\":\"gdpr\",\"type\":\"access\",\"email\":\"a@example.org\",\"phone\":\"0777 123\"}", "phone")]
    [InlineData("{\"regime\":\"hipaa\",\"type\":\"access\",\"email\":\"a@example.org\"}", "regime")]
    [InlineData("{\"regime\":\"gdpr\",\"type\":\"delete-everything\",\"email\":\"a@example.org\"}", "type")]
    [InlineData("{\"regime\":\"gdpr\",\"type\":\"access\"}", "email")]
    [InlineData("{\"regime\":\"gdpr\",\"type\":\"access\",\"userId\":\"1; drop table users\"}", "userId")]
    [InlineData("{\"regime\":\"gdpr\",\"type\":\"access\",\"email\":\"a@example.org\",\"receivedAt\":\"2099-01-01T00:00:00Z\"}", "receivedAt")]
    public async Task Post_BadField_Is400NamingItAndWritesNothing(string body, string field)
    {
        var before = await CountAsync();

        var response = await Client().PostAsync("/api/v1/requests", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}");
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Post_MalformedJson_Is400_AsProblemDetailsNamingTheBody_AndWritesNothing()
    {
        var before = await CountAsync();

        var response = await Client().PostAsync("/api/v1/requests", new StringContent("{\"regime\": ", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("errors").TryGetProperty("body", out _));
        Assert.Equal(before, await CountAsync());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Post_NotJson_Is415_AsProblemDetails_AndWritesNothing(string? contentType)
    {
        var before = await CountAsync();
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes("{\"regime\":\"gdpr\",\"type\":\"access\",\"email\":\"a@example.org\"}"));
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        var response = await Client().PostAsync("/api/v1/requests", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(415, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Post_RetryWithTheSameIdempotencyKey_ReturnsTheFirstRequest_ADifferentBodyIsRefused()
    {
        var key = "retry-" + Guid.NewGuid().ToString("N");
        var body = new { regime = "ccpa", type = "access", phone = "+15551234567" };

        var first = await Client(idempotencyKey: key).PostAsJsonAsync("/api/v1/requests", body);
        var again = await Client(idempotencyKey: key).PostAsJsonAsync("/api/v1/requests", body);
        var before = await CountAsync();
        var other = await Client(idempotencyKey: key).PostAsJsonAsync("/api/v1/requests", body with { type = "erasure" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        // The retry answers the very bytes of the first answer: the same dates, in UTC, to the microsecond the store keeps.
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(firstBody, await again.Content.ReadAsStringAsync());
        var dueAt = JsonDocument.Parse(firstBody).RootElement.GetProperty("dueAt").GetString()!;
        Assert.EndsWith("+00:00", dueAt, StringComparison.Ordinal);
        Assert.Equal(await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
            $"select to_char(due_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') from gov.requests where id = '{JsonDocument.Parse(firstBody).RootElement.GetProperty("id").GetString()}'"), dueAt[..26]);
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Contains("Idempotency-Key", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync());
    }
}

public sealed class RequestsPageTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task RequestsPage_AsLegal_ListsSubmittedRequestsWithTheirDueDates()
    {
        var api = _factory.Anonymous();
        api.DefaultRequestHeaders.Add("X-Api-Key", databases.ApiKey);
        var created = await api.PostAsJsonAsync("/api/v1/requests", new { regime = "pipl", type = "access", userId = "u-4711" });
        var reference = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString()!;
        var lawyer = await _factory.SignedInAsync("lawyer");

        var html = await lawyer.GetStringAsync("/requests");

        Assert.Contains("data-testid=\"request-grid\"", html, StringComparison.Ordinal);
        Assert.Contains(reference, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsPage_OpenedFromADashboardTile_ListsOnlyWhatTheTileCounts()
    {
        foreach (var (reference, state, dueIn) in new[] { ("DSR-TILE-LATE", "InReview", -2), ("DSR-TILE-SOON", "InReview", 3), ("DSR-TILE-FAR", "Verifying", 25) })
        {
            await TestPostgres.ScalarAsync<int>(databases.AdminConnectionString, $"""
                insert into gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at)
                values (gen_random_uuid(), '{reference}', 'gdpr', 'access', '{state}', 'email', 'tile@example.org', now() - interval '20 days', current_date - 20,
                        current_date + {dueIn}, now() + interval '{dueIn} days')
                returning 1
                """);
        }

        var lawyer = await _factory.SignedInAsync("lawyer");

        var overdue = await lawyer.GetStringAsync("/requests?overdue=true");
        var soon = await lawyer.GetStringAsync("/requests?due=soon");
        var verifying = await lawyer.GetStringAsync("/requests?state=Verifying");

        Assert.Contains("DSR-TILE-LATE", overdue, StringComparison.Ordinal);
        Assert.DoesNotContain("DSR-TILE-SOON", overdue, StringComparison.Ordinal);
        Assert.Contains("DSR-TILE-SOON", soon, StringComparison.Ordinal);
        Assert.DoesNotContain("DSR-TILE-FAR", soon, StringComparison.Ordinal);
        Assert.DoesNotContain("DSR-TILE-LATE", soon, StringComparison.Ordinal);   // overdue has its own tile
        Assert.Contains("DSR-TILE-FAR", verifying, StringComparison.Ordinal);
        Assert.DoesNotContain("DSR-TILE-LATE", verifying, StringComparison.Ordinal);
    }
}

public sealed class RequestStatusApiTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    private HttpClient Client(string key)
    {
        var client = _factory.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    [Fact]
    public async Task Get_TheLocationOfA201_AnswersTheStateForThatClientOnly()
    {
        var created = await Client(databases.ApiKey).PostAsJsonAsync("/api/v1/requests", new { regime = "pipl", type = "access", userId = "u-status-1" });
        var location = created.Headers.Location!.ToString();
        var (_, otherKey) = await _factory.Services.GetRequiredService<Governance.Core.Requests.ApiClients>()
            .AddAsync("other-" + Guid.NewGuid().ToString("N")[..8], Governance.Core.Audit.AuditActor.System("test"), CancellationToken.None);

        var mine = await Client(databases.ApiKey).GetAsync(location);
        var theirs = await Client(otherKey).GetAsync(location);
        var anonymous = await _factory.Anonymous().GetAsync(location);

        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var body = await mine.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        Assert.Equal("Received", json.RootElement.GetProperty("state").GetString());
        Assert.StartsWith("DSR-", json.RootElement.GetProperty("reference").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("u-status-1", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
