using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Requests;

/// <summary>Intake authenticated by OAuth 2.0 client credentials, against a token server on loopback.</summary>
public sealed class OAuthIntakeTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    private const string Audience = "governance-api";
    private const string Scope = "requests.submit";

    private static async Task<string> ClientCredentialsAsync(TestTokenIssuer issuer)
    {
        using var http = new HttpClient();
        var response = await http.PostAsync($"{issuer.Authority}/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = TestTokenIssuer.ClientId, ["client_secret"] = TestTokenIssuer.ClientSecret, ["scope"] = Scope,
        }));
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private static ConsoleFactory Console(ConsoleDatabases databases, TestTokenIssuer issuer) => new(new Dictionary<string, string?>(databases.Settings)
    {
        ["Api:OAuth:Authority"] = issuer.Authority,
        ["Api:OAuth:Audience"] = Audience,
        ["Api:OAuth:RequiredScope"] = Scope,
        ["Api:OAuth:RequireHttpsMetadata"] = "false",
    });

    private static HttpClient Client(ConsoleFactory console, string token, string? idempotencyKey = null)
    {
        var client = console.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null)
        {
            client.DefaultRequestHeaders.Add("Idempotency-Key", idempotencyKey);
        }

        return client;
    }

    [Fact]
    public async Task Post_WithAClientCredentialsToken_Is201_RetriesAreIdempotentPerClient_AndTheClientIsAudited()
    {
        await using var issuer = await TestTokenIssuer.StartAsync(Audience, Scope);
        using var console = Console(databases, issuer);
        var token = await ClientCredentialsAsync(issuer);
        var body = new { regime = "ccpa", type = "opt-out", userId = "u-oauth-1" };

        var first = await Client(console, token, "oauth-retry-1").PostAsJsonAsync("/api/v1/requests", body);
        var retry = await Client(console, token, "oauth-retry-1").PostAsJsonAsync("/api/v1/requests", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.requests r join gov.api_clients c on c.id = r.client_id where c.name = 'oauth:chat-system' and r.subject_user_id = 'u-oauth-1'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.audit_log a join gov.api_clients c on a.actor_id = 'api-client:' || c.id where c.name = 'oauth:chat-system' and a.action = 'request.create'"));
    }

    public static TheoryData<string> BadTokens() => ["other-audience", "expired", "no-scope", "foreign-key", "garbage"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Post_WithABadToken_Is401AndWritesNothing(string kind)
    {
        await using var issuer = await TestTokenIssuer.StartAsync(Audience, Scope);
        using var console = Console(databases, issuer);
        var token = kind switch
        {
            "other-audience" => issuer.Token("someone-else", Scope, TimeSpan.FromMinutes(5)),
            "expired" => issuer.Token(Audience, Scope, TimeSpan.FromMinutes(-5)),
            "no-scope" => issuer.Token(Audience, "profile", TimeSpan.FromMinutes(5)),
            "foreign-key" => issuer.Token(Audience, Scope, TimeSpan.FromMinutes(5), foreignKey: true),
            _ => "not.a.token",
        };
        var before = await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.requests");

        var response = await Client(console, token).PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr", type = "access", userId = "u-bad" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.requests"));
    }

    [Fact]
    public async Task Post_WithABearerTokenWhenOAuthIsOff_Is401ThatSaysSo()
    {
        await using var issuer = await TestTokenIssuer.StartAsync(Audience, Scope);
        using var console = new ConsoleFactory(databases.Settings);

        var response = await Client(console, issuer.Token(Audience, Scope, TimeSpan.FromMinutes(5))).PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr", type = "access", userId = "u-off" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("not configured", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
