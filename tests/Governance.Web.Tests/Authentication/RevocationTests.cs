using System.Net;
using Governance.Core.Audit;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Governance.Web.Tests.Authentication;

/// <summary>
/// A sign-in ends for real: a cookie copied before sign-out, before the account was disabled or before its roles
/// changed opens nothing afterwards (the session check is set to every request here; by default it is remembered
/// for five seconds).
/// </summary>
public sealed class RevocationTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private static readonly AuditActor Admin = new(AuditActorType.User, "local:1", [Roles.Admin], "192.0.2.1");

    private readonly ConsoleFactory _factory = new(new Dictionary<string, string?>(databases.Settings) { ["Authentication:SessionCheckSeconds"] = "0" });

    public void Dispose() => _factory.Dispose();

    /// <summary>Signs in and returns the sign-in cookie as a browser would send it, plus the client that holds it.</summary>
    private async Task<(string Cookie, HttpClient Client)> SignInAsync(string user)
    {
        var client = _factory.Anonymous();
        var response = await ConsoleFactory.PostLoginAsync(client, user, ConsoleDatabases.Password, "/");
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("gov.auth=", StringComparison.Ordinal)).Split(';')[0];
        return (cookie, client);
    }

    /// <summary>A fresh client that sends only the given cookie, as an attacker replaying a stolen cookie would.</summary>
    private async Task<HttpStatusCode> ReplayAsync(string cookie, string path)
    {
        var replay = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return (await replay.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task CookieCopiedBeforeSignOut_OpensNothingAfterIt()
    {
        var (cookie, client) = await SignInAsync("auditor");
        Assert.Equal(HttpStatusCode.OK, await ReplayAsync(cookie, "/audit"));
        var token = await ConsoleFactory.TokenAsync(client, "/");
        const string Ended = "select count(*) from gov.sign_in_sessions where end_reason = 'sign-out'";
        var before = await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, Ended);

        await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(cookie, "/audit"));
        Assert.Equal(before + 1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, Ended));
    }

    [Fact]
    public async Task DisablingTheAccount_StopsItsCookie_AndEnablingDoesNotRevive_ItNeedsANewSignIn()
    {
        var user = await databases.NewAccountAsync(Roles.Legal);
        var (cookie, _) = await SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, await ReplayAsync(cookie, "/requests"));

        await databases.Administration().DisableAsync(user, Admin, CancellationToken.None);
        var whileDisabled = await ReplayAsync(cookie, "/requests");
        var signInWhileDisabled = await ConsoleFactory.PostLoginAsync(_factory.Anonymous(), user, ConsoleDatabases.Password, "/");
        await databases.Administration().EnableAsync(user, Admin, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Redirect, whileDisabled);
        Assert.Contains("error=", signInWhileDisabled.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(cookie, "/requests"));
        var (again, _) = await SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, await ReplayAsync(again, "/requests"));
    }

    [Fact]
    public async Task ChangingRoles_EndsTheSignIn_AndTheNewRolesApplyAtTheNextOne()
    {
        var user = await databases.NewAccountAsync(Roles.Legal);
        var (cookie, _) = await SignInAsync(user);
        Assert.Equal(HttpStatusCode.Forbidden, await ReplayAsync(cookie, "/audit"));

        await databases.Administration().SetRolesAsync(user, [Roles.Auditor], Admin, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(cookie, "/requests"));
        var (again, _) = await SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, await ReplayAsync(again, "/audit"));
        Assert.Equal(HttpStatusCode.Forbidden, await ReplayAsync(again, "/requests"));
    }
}
