using System.Net;
using Governance.Web.Security;
using Governance.Web.Tests.Browser;
using Governance.Web.Tests.Support;
using Governance.Tests.Support;

namespace Governance.Web.Tests.Security;

/// <summary>
/// The console's real binary behind a (pretend) TLS proxy on 127.0.0.1: what the proxy forwards is believed, the
/// cookie is Secure, and the audit log records the client's address, not the proxy's.
/// </summary>
public sealed class ProxyTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    private static async Task<(string Token, string Cookies)> LoginFormAsync(HttpClient http, string baseUrl, Action<HttpRequestMessage> forward)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/account/login");
        forward(get);
        using var page = await http.SendAsync(get);
        var html = await page.Content.ReadAsStringAsync();
        var token = ConsoleFactory.TokenIn(html) ?? throw new InvalidOperationException("No antiforgery token on the sign-in page");
        return (token, string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient http, string baseUrl, Action<HttpRequestMessage> forward)
    {
        var (token, cookies) = await LoginFormAsync(http, baseUrl, forward);
        var post = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["userName"] = "auditor", ["password"] = ConsoleDatabases.Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
            }),
        };
        post.Headers.Add("Cookie", cookies);
        forward(post);
        return await http.SendAsync(post);
    }

    private static string? AuthCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.FirstOrDefault(v => v.StartsWith("gov.auth=", StringComparison.Ordinal)) : null;

    [Fact]
    public async Task BehindAKnownProxy_TheClientsAddressIsAudited_AndTheCookieIsSecure_OverHttpsAndOverPlainHttpFromAfar()
    {
        var settings = new Dictionary<string, string?>(databases.Settings) { ["Proxy:KnownProxies:0"] = "127.0.0.1" };
        await using var console = await ConsoleProcess.StartAsync(settings);
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });
        var before = await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select coalesce(max(id), 0) from gov.audit_log");

        // HTTPS at the proxy; the client's address is the last one in the list (the one the proxy appended).
        var overHttps = await SignInAsync(http, console.BaseUrl, r =>
        {
            r.Headers.Add("X-Forwarded-For", "198.51.100.66, 203.0.113.7");
            r.Headers.Add("X-Forwarded-Proto", "https");
        });
        // Plain HTTP at the proxy from a client elsewhere: still Secure outside Development (the sign-in then fails visibly).
        var overHttp = await SignInAsync(http, console.BaseUrl, r =>
        {
            r.Headers.Add("X-Forwarded-For", "203.0.113.8");
            r.Headers.Add("X-Forwarded-Proto", "http");
        });
        // A browser on this machine, no proxy involved: a local trial over http works.
        var local = await SignInAsync(http, console.BaseUrl, _ => { });

        Assert.Equal(HttpStatusCode.Redirect, overHttps.StatusCode);
        Assert.Contains("secure", AuthCookie(overHttps)!, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", AuthCookie(overHttp)!, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", AuthCookie(local)!, StringComparison.OrdinalIgnoreCase);
        var addresses = await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
            $"select string_agg(client_address, ',' order by id) from gov.audit_log where id > {before} and action = 'auth.sign-in'");
        Assert.Equal("203.0.113.7,203.0.113.8,127.0.0.1", addresses);
    }

    [Theory]
    [InlineData("Proxy:KnownProxies:0", "10.0.0.300", "Proxy:KnownProxies:0")]
    [InlineData("Proxy:KnownNetworks:0", "10.0.0.0/33", "Proxy:KnownNetworks:0")]
    public void MalformedProxySetting_IsAnErrorNamingTheSetting(string key, string value, string named)
    {
        var options = new ProxyOptions();
        if (key.Contains("Networks", StringComparison.Ordinal))
        {
            options.KnownNetworks = [value];
        }
        else
        {
            options.KnownProxies = [value];
        }

        var error = Assert.Throws<InvalidOperationException>(() => options.ToForwardedHeaders());

        Assert.StartsWith(named, error.Message, StringComparison.Ordinal);
    }
}
