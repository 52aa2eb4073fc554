using System.Net;
using Governance.Web.Localization;
using Governance.Web.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Governance.Web.Tests.Localization;

/// <summary>How the language is chosen: the browser's preferences in order, then the person's choice, remembered.</summary>
public sealed class LanguageChoiceTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Theory]
    [InlineData("zh-TW,zh-Hans;q=0.5,en;q=0.8", "en")]        // traditional first is not served; English is preferred to simplified
    [InlineData("fr-FR,zh;q=0.9,en;q=0.5", "zh-CN")]          // French is not served; Chinese comes before English
    [InlineData("de-DE,en-GB;q=0.7", "en")]
    [InlineData("zh-Hans-CN", "zh-CN")]
    [InlineData("fr-FR", null)]                                // nothing served: the default (English) applies
    public async Task Browser_PreferencesAreReadInOrder_OntoTheConsolesLanguages(string header, string? expected)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.AcceptLanguage = header;

        var result = await new BrowserLanguageProvider().DetermineProviderCultureResult(http);

        Assert.Equal(expected, result?.UICultures.Single().Value);
    }

    [Fact]
    public async Task Choosing_SetsTheCookie_AndGoesBackOnlyWithinTheConsole_AnUnknownLanguageIsRefused()
    {
        using var factory = new ConsoleFactory(databases.Settings);
        var client = factory.Anonymous();

        var back = await client.GetAsync("/language?to=zh-CN&back=/account/login");
        var away = await client.GetAsync("/language?to=en&back=//evil.example/phish");
        var unknown = await client.GetAsync("/language?to=fr");

        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Equal("/account/login", back.Headers.Location!.OriginalString);
        Assert.Contains(back.Headers.GetValues("Set-Cookie"), c => c.StartsWith(Text.CookieName + "=", StringComparison.Ordinal) && c.Contains("zh-CN", StringComparison.Ordinal));
        Assert.Equal("/", away.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        // The cookie chooses from then on, whatever the browser prefers.
        var login = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        login.Headers.Add("Accept-Language", "zh-CN");
        Assert.Contains("<html lang=\"en\"", await (await client.SendAsync(login)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
