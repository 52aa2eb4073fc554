using System.Net;
using System.Text.RegularExpressions;
using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Security;

/// <summary>The sign-in page is styled for someone not signed in yet: every stylesheet and script it links is served anonymously; pages are not.</summary>
public sealed class StaticAssetsTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task SignInPage_EveryStylesheetAndScriptItLinks_IsServedToAnAnonymousVisitor_AndPagesStillNeedASignIn()
    {
        await using var console = await Browser.ConsoleProcess.StartAsync(databases.Settings);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(console.BaseUrl) };

        var page = await http.GetStringAsync("/account/login");
        var assets = Regex.Matches(page, "(?:href|src)=\"([^\"]+\\.(?:css|js))\"").Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.Contains(assets, a => a.EndsWith(".css", StringComparison.Ordinal) && a.StartsWith("app", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.EndsWith("blazor.web.js", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            var response = await http.GetAsync("/" + asset.TrimStart('/'));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync("/requests")).StatusCode);
    }
}
