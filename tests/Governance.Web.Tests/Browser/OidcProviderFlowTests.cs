using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// Sign-in (Oidc mode) and the intake API's client credentials against a certified OpenID Provider, the npm package
/// oidc-provider, in Node.js on loopback: the real protocol end to end, nothing hand-written on the provider's side.
/// </summary>
public sealed class OidcProviderFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    private Dictionary<string, string?> OidcSettings(OidcProvider provider) => new(databases.Settings)
    {
        ["Authentication:Mode"] = "Oidc",
        ["Authentication:Oidc:Authority"] = provider.Issuer,
        ["Authentication:Oidc:ClientId"] = OidcProvider.ConsoleClient,
        ["Authentication:Oidc:ClientSecret"] = OidcProvider.ConsoleSecret,
        ["Authentication:Oidc:RoleClaim"] = "realm_access.roles",
        ["Authentication:Oidc:RequireHttpsMetadata"] = "false",
        ["Api:OAuth:Authority"] = provider.Issuer,
        ["Api:OAuth:Audience"] = OidcProvider.Audience,
        ["Api:OAuth:RequiredScope"] = OidcProvider.Scope,
        ["Api:OAuth:RequireHttpsMetadata"] = "false",
        ["Api:OAuth:ClockSkewSeconds"] = "0",
    };

    [Fact]
    public async Task Staff_SignInWithCodeAndPkce_RolesFromTheNestedClaim_SignOutEndsTheProviderSessionToo()
    {
        var port = Governance.Core.Database.Embedded.EmbeddedCluster.FreePort();
        await using var provider = await OidcProvider.StartAsync($"http://127.0.0.1:{port}");
        await using var console = await ConsoleProcess.StartAsync(OidcSettings(provider), port);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            // A page that needs a role sends the person to the provider, which asks who they are and for consent.
            await page.GotoAsync($"{console.BaseUrl}/requests", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"^{provider.Issuer}/interaction/"));
            var authorize = page.Url;
            await page.FillAsync("input[name=login]", "ann.legal");
            await page.FillAsync("input[name=password]", "any");
            await page.ClickAsync("button[type=submit]");
            await page.ClickAsync("button[type=submit]"); // consent: Continue

            // Back on the page asked for, as a Legal user (the role came from realm_access.roles).
            await Assertions.Expect(page).ToHaveURLAsync($"{console.BaseUrl}/requests");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Data-subject requests");
            await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync("ann.legal");
            var audit = await page.GotoAsync($"{console.BaseUrl}/audit");
            Assert.Equal(403, audit!.Status); // Legal may not read the audit log
            Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
                "select count(*) from gov.staff where display_name = 'ann.legal' or display_name = 'Ann Legal'"));

            // Signing out ends the console's session and the provider's: the next visit asks for the login again.
            await page.GotoAsync($"{console.BaseUrl}/requests");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"^{provider.Issuer}/session/end"));
            await page.ClickAsync("button[autofocus]"); // "Yes, sign me out"
            await Assertions.Expect(page).ToHaveURLAsync($"{console.BaseUrl}/account/login");
            await page.GotoAsync($"{console.BaseUrl}/requests", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"^{provider.Issuer}/interaction/"));
            await page.Locator("input[name=login]").WaitForAsync();
            Assert.NotEqual(authorize, page.Url);
            Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
                "select count(*) from gov.audit_log where action = 'auth.sign-out' and actor_id like 'oidc:%'"));
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"OIDC flow failed at {page.Url}; console output:\n{console.Output}\nprovider output:\n{provider.Output}", ex);
        }
    }

    [Fact]
    public async Task IntakeApi_ClientCredentials_AudienceScopeAndLifetimeChecked_ARotatedSigningKeyIsPickedUpFromTheJwks()
    {
        await using var provider = await OidcProvider.StartAsync("http://127.0.0.1:1", "key-1");
        using var console = new ConsoleFactory(OidcSettings(provider));
        async Task<HttpStatusCode> SubmitAsync(string token, string userId)
        {
            var client = console.Anonymous();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return (await client.PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr", type = "access", userId })).StatusCode;
        }

        Task<long> CountAsync(string userId) =>
            TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, $"select count(*) from gov.requests where subject_user_id = '{userId}'");

        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(await provider.ClientCredentialsAsync(OidcProvider.ApiClient, OidcProvider.Scope), "u-cc-1"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.requests r join gov.api_clients c on c.id = r.client_id where c.name = 'oauth:chat-system' and r.subject_user_id = 'u-cc-1'"));

        // Issued for another API, without the scope, or expired: refused, nothing written.
        Assert.Equal(HttpStatusCode.Unauthorized, await SubmitAsync(await provider.ClientCredentialsAsync(OidcProvider.ApiClient, OidcProvider.Scope, OidcProvider.OtherAudience), "u-cc-2"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SubmitAsync(await provider.ClientCredentialsAsync(OidcProvider.ReadOnlyApiClient, "requests.read"), "u-cc-3"));
        var brief = await provider.ClientCredentialsAsync(OidcProvider.BriefApiClient, OidcProvider.Scope);
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(brief, "u-cc-4"));
        await Task.Delay(TimeSpan.FromSeconds(3)); // the token lived two seconds
        Assert.Equal(HttpStatusCode.Unauthorized, await SubmitAsync(brief, "u-cc-5"));
        Assert.Equal((0L, 0L, 1L, 0L), (await CountAsync("u-cc-2"), await CountAsync("u-cc-3"), await CountAsync("u-cc-4"), await CountAsync("u-cc-5")));

        // The provider rotates its signing key (the new one first, the old one still published): tokens signed with
        // the new key are accepted by the running console, which fetches the key set again.
        var before = await provider.ClientCredentialsAsync(OidcProvider.ApiClient, OidcProvider.Scope);
        await provider.RestartAsync("key-2", "key-1");
        var after = await provider.ClientCredentialsAsync(OidcProvider.ApiClient, OidcProvider.Scope);
        Assert.NotEqual(KeyId(before), KeyId(after));
        // An unknown key makes the console fetch the key set again in the background: the token is accepted as soon
        // as that is done (a client retrying a 401 once gets in), without restarting the console.
        var attempts = 0;
        HttpStatusCode status;
        do
        {
            status = await SubmitAsync(after, "u-cc-6");
            attempts++;
        }
        while (status == HttpStatusCode.Unauthorized && attempts < 20 && await Delay());

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.True(attempts <= 3, $"accepted only after {attempts} attempts");
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(before, "u-cc-7"));
        Assert.Equal((1L, 1L), (await CountAsync("u-cc-6"), await CountAsync("u-cc-7")));
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(250);
        return true;
    }

    private static string KeyId(string jwt) => new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(jwt).Kid;
}
