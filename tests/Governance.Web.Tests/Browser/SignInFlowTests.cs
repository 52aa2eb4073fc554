using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>A person in Debian's Chromium: opens a page, is sent to sign in, signs in, sees the dashboard, signs out.</summary>
public sealed class SignInFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task PrivacyOfficer_SignsIn_SeesDashboardWithStoresAndOnlyTheirAreas_ThenSignsOut()
    {
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        page.SetDefaultTimeout(60_000); // two cores shared with the other test assembly
        var committed = BrowserSettings.Committed;

        try
        {
            // Sent to sign in, then back where the person wanted to go, on an interactive page.
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/requests", "officer");
            await page.WaitForFunctionAsync("() => window.Blazor !== undefined");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Data-subject requests");
            await Assertions.Expect(page.Locator("[data-testid=carried-out]")).ToContainTextAsync("restriction and objection");
            // A link followed before the page is interactive can be undone when the page's circuit, started for this
            // address, renders it again (seen once: the dashboard came and went back to the requests): wait until it is.
            await page.Locator("form[data-testid=request-filters][data-interactive=true]").WaitForAsync();

            // A full run starts several consoles and browsers at once on two cores: the dashboard's first render (its
            // queries run in the prerender, then again once interactive) has taken over a minute there, twice.
            await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard", Exact = true }).ClickAsync();
            await page.Locator("h1", new() { HasText = "Dashboard" }).WaitForAsync(new() { Timeout = 180_000 });
            var stores = page.Locator("[data-testid=store-table] tbody tr");
            // The table is prerendered, then rendered again once the page is interactive: wait for the settled rows.
            await Assertions.Expect(stores).ToHaveCountAsync(3, new() { Timeout = 180_000 });
            await Assertions.Expect(stores.Nth(0)).ToContainTextAsync("reachable");
            await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync("officer");
            // The command said where it serves, in one line, with the address it really bound.
            Assert.Contains($"The console is serving at {console.BaseUrl} (Ctrl+C stops it).", console.Output, StringComparison.Ordinal);

            var links = await page.Locator("nav.sitenav a").AllTextContentsAsync();
            Assert.Contains(links, l => l.Trim() == "Requests");
            Assert.DoesNotContain(links, l => l.Trim() is "Settings" or "Jobs");

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "dashboard.png"), FullPage = true });

            // The data map: the graph, and a search that narrows the collections as one types.
            await page.GetByRole(AriaRole.Link, new() { Name = "Data map", Exact = true }).ClickAsync();
            await page.Locator("[data-testid=datamap-graph] svg").WaitForAsync();
            var collections = page.Locator("[data-testid=datamap-collection]");
            await Assertions.Expect(collections).ToHaveCountAsync(14);
            // Typed once the page is interactive: typed into the prerendered page, the search would never reach the server.
            await page.Locator("[data-testid=datamap-search][data-interactive=true]").WaitForAsync();
            await page.FillAsync("[data-testid=datamap-search]", "push_token");
            await Assertions.Expect(collections).ToHaveCountAsync(1, new() { Timeout = 60_000 });
            await Assertions.Expect(collections.First).ToContainTextAsync("devices");
            await page.FillAsync("[data-testid=datamap-search]", "");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "datamap.png"), FullPage = false });

            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await page.WaitForURLAsync("**/account/login**", committed);
            await page.Locator("[data-testid=login-form]").WaitForAsync();
            await page.GotoAsync($"{console.BaseUrl}/", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.WaitForURLAsync("**/account/login**", committed);
            await page.Locator("[data-testid=login-form]").WaitForAsync();
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
