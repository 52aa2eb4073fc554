using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>A privacy officer in Chromium reads the retention rules in force and previews one: the count equals direct SQL on the store.</summary>
public sealed class RetentionPageTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Officer_SeesTheRulesInForce_AndAPreviewCountsWhatSqlCounts()
    {
        var eu = databases.Settings["ChatStores:eu:ConnectionString"]!;
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/retention", "officer");
            var rules = page.Locator("[data-testid=retention-rules][data-interactive=true]");
            await Assertions.Expect(rules.Locator("tr[data-rule]")).ToHaveCountAsync(File.ReadAllLines(Path.Combine(Path.GetDirectoryName(RepositoryFolders.Policies())!, "retention", "chat.yaml")).Count(l => l.TrimStart().StartsWith("- name:", StringComparison.Ordinal)));
            var sessions = rules.Locator("tr[data-rule=sessions-ninety-days]");
            await Assertions.Expect(sessions).ToContainTextAsync("90 days");
            await Assertions.Expect(sessions).ToContainTextAsync("every store");

            await sessions.Locator("[data-testid=retention-preview]").ClickAsync();
            var row = page.Locator("[data-testid=retention-preview-result] tr[data-store=eu]");
            await Assertions.Expect(row).ToBeVisibleAsync();
            var expected = await TestPostgres.ScalarAsync<long>(eu, "select count(*) from sessions where created_at < now() - interval '90 days'");
            await Assertions.Expect(row.Locator("[data-testid=would-go]")).ToHaveTextAsync(expected.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            await Assertions.Expect(row.Locator("[data-testid=held]")).ToHaveTextAsync("0");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "retention.png"), FullPage = true });
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
