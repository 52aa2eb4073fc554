using System.Net;
using Governance.Core.Security;
using Governance.Web.Authentication;
using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Authentication;

public sealed class SignInTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task PostLogin_WrongPassword_ReturnsToTheFormWithAnErrorAndNoCookie()
    {
        var client = _factory.Anonymous();

        var response = await ConsoleFactory.PostLoginAsync(client, "lawyer", "wrong-password", "/requests");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login?error=invalid&returnUrl=%2Frequests", response.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/requests")).StatusCode);
        var page = await client.GetStringAsync(response.Headers.Location!.OriginalString);
        Assert.Contains("The user name or password is wrong, or sign-in is paused", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostLogin_WithoutAntiforgeryToken_IsRejected()
    {
        var client = _factory.Anonymous();

        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = "admin",
            ["password"] = ConsoleDatabases.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("//evil.example/phish", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/\t/evil.example", "/")]
    [InlineData("/\n/evil.example", "/")]
    [InlineData("/\r\nSet-Cookie:x=y", "/")]
    [InlineData("/ /evil.example", "/")]
    [InlineData("/audit?actor=7", "/audit?actor=7")]
    public async Task PostLogin_ReturnUrl_OnlyLocalPathsAreFollowed(string returnUrl, string expected)
    {
        var response = await ConsoleFactory.PostLoginAsync(_factory.Anonymous(), "officer", ConsoleDatabases.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task PostLogout_EndsTheSession()
    {
        var client = await _factory.SignedInAsync("auditor");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        var token = await ConsoleFactory.TokenAsync(client, "/");

        var response = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task PostLogout_WithoutAntiforgeryToken_IsRefused_AndTheSessionStays()
    {
        var client = await _factory.SignedInAsync("auditor");

        var response = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Responses_ForbidFramingByOtherSites_TheJobDashboardToo()
    {
        var admin = await _factory.SignedInAsync("admin");

        foreach (var path in new[] { "/", "/jobs", "/account/login" })
        {
            var response = await (path == "/account/login" ? _factory.Anonymous() : admin).GetAsync(path);
            Assert.Equal("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }
    }

    [Fact]
    public void RolesFromClaims_ReadsPlainJsonArrayAndKeycloakNestedClaims()
    {
        var plain = new[] { new System.Security.Claims.Claim("roles", Roles.Auditor), new System.Security.Claims.Claim("roles", Roles.Legal) };
        var array = new[] { new System.Security.Claims.Claim("groups", "[\"Admin\",\"Legal\"]") };
        var keycloak = new[] { new System.Security.Claims.Claim("realm_access", "{\"roles\":[\"PrivacyOfficer\",\"offline_access\"]}") };

        Assert.Equal([Roles.Auditor, Roles.Legal], AuthenticationSetup.RolesFromClaims(plain, "roles"));
        Assert.Equal([Roles.Admin, Roles.Legal], AuthenticationSetup.RolesFromClaims(array, "groups"));
        Assert.Equal([Roles.PrivacyOfficer, "offline_access"], AuthenticationSetup.RolesFromClaims(keycloak, "realm_access.roles"));
        Assert.Empty(AuthenticationSetup.RolesFromClaims(keycloak, "resource_access.console.roles"));
    }
}

public sealed class LockoutTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task PostLogin_FiveFailures_LockTheAccountEvenForTheRightPassword()
    {
        var client = _factory.Anonymous();
        for (var i = 0; i < 4; i++)
        {
            var r = await ConsoleFactory.PostLoginAsync(client, "lawyer", $"wrong-{i}", "/");
            Assert.Contains("error=invalid", r.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        var fifth = await ConsoleFactory.PostLoginAsync(client, "lawyer", "wrong-5", "/");
        var right = await ConsoleFactory.PostLoginAsync(client, "lawyer", ConsoleDatabases.Password, "/");

        // Locked, but answered as a wrong password would be: the answer does not tell that the account exists.
        Assert.Equal(fifth.Headers.Location!.OriginalString, right.Headers.Location!.OriginalString);
        Assert.Equal("/account/login?error=invalid&returnUrl=%2F", right.Headers.Location!.OriginalString);
        Assert.Equal(2, await Governance.Tests.Support.TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.audit_log where action = 'auth.sign-in' and (details->>'reason' = 'locked' or details ? 'lockedUntil')"));
    }

    [Fact]
    public async Task ManyFailuresFromOneAddress_MakeItWait_WhateverTheAccounts_EvenWithTheRightPassword()
    {
        using var factory = new ConsoleFactory(databases.Settings);
        var client = factory.Anonymous();
        for (var i = 0; i < 10; i++)
        {
            var r = await ConsoleFactory.PostLoginAsync(client, $"nobody-{i}", "wrong", "/");
            Assert.Contains("error=invalid", r.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        var right = await ConsoleFactory.PostLoginAsync(client, "officer", ConsoleDatabases.Password, "/");

        Assert.Matches("^/account/login\\?error=wait&seconds=([1-2][0-9]|30)&returnUrl=%2F$", right.Headers.Location!.OriginalString);
        var page = await client.GetStringAsync(right.Headers.Location!.OriginalString);
        Assert.Contains("Too many failed sign-ins from your network.", page, StringComparison.Ordinal);
    }
}
