using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Governance.Web.Tests.Support;

/// <summary>The web host in memory, configured with the given settings (usually <see cref="ConsoleDatabases.Settings"/>).</summary>
public sealed partial class ConsoleFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    /// <summary>What the console logged as errors while this factory ran.</summary>
    public ServerErrors Errors { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Errors));
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>One host starts at a time in this process.</summary>
    private static readonly Lock Starting = new();

    /// <summary>
    /// The console's host is built by running its <c>Program</c>, which the test host catches through a listener of the
    /// whole process: two factories starting at once (test classes run in parallel) can catch each other's host, and
    /// one then has no server ("The server has not been started", seen once in a full run). Hosts start one by one.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        lock (Starting)
        {
            return base.CreateHost(builder);
        }
    }

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in through the real form (antiforgery token and all) and returns the client holding the cookie.</summary>
    public async Task<HttpClient> SignedInAsync(string user, string password = ConsoleDatabases.Password)
    {
        var client = Anonymous();
        var response = await PostLoginAsync(client, user, password, "/");
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/")
        {
            throw new InvalidOperationException($"Sign-in as {user} did not succeed: {(int)response.StatusCode} {response.Headers.Location}");
        }

        return client;
    }

    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string user, string password, string returnUrl)
    {
        var token = await TokenAsync(client, "/account/login");
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = user,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = token,
        }));
    }

    public static async Task<string> TokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return TokenIn(html) ?? throw new InvalidOperationException($"No antiforgery token on {page}");
    }

    /// <summary>The antiforgery token of a page's form, or null.</summary>
    public static string? TokenIn(string html) =>
        TokenField().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
