using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>An auditor in Chromium filters the audit log, opens an entry, and the reading itself lands in the log.</summary>
public sealed class AuditReviewFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Auditor_FiltersBySignIns_SeesTheirOwnSignIn_OpensItsDetail_AndTheReadingIsAudited()
    {
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/audit", "auditor");
            await page.Locator("h1", new() { HasText = "Audit log" }).WaitForAsync();
            await page.Locator("form[data-interactive=true]").WaitForAsync();

            // A filter with SQL in it is refused with a message, not run.
            await page.Locator("[data-testid=audit-actor] input").FillAsync("x' or 1=1 --");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await page.Locator("[data-testid=audit-problems]").WaitForAsync();

            await page.Locator("[data-testid=audit-actor] input").FillAsync("");
            await page.Locator("[data-testid=audit-action] input").FillAsync("auth.sign-in");
            await RequestSteps.ChooseAsync(page, "audit-outcome", "success");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await page.Locator("[data-testid=audit-problems]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
            // The grid refreshes from the server: wait until it shows the filtered entries only.
            await Assertions.Expect(page.Locator("[data-testid=audit-grid] tbody")).Not.ToContainTextAsync("audit.view", new() { Timeout = 60_000 });
            var rows = page.Locator("[data-testid=audit-grid] tbody tr", new() { HasText = "auth.sign-in" });
            await rows.First.WaitForAsync();

            await rows.First.GetByRole(AriaRole.Button, new() { Name = "Details" }).ClickAsync();
            var detail = page.Locator("[data-testid=audit-detail]");
            await detail.WaitForAsync();
            await Assertions.Expect(detail).ToContainTextAsync("auth.sign-in");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "audit.png"), FullPage = true });

            var export = await page.Locator("[data-testid=audit-export]").GetAttributeAsync("href");
            Assert.Contains("action=auth.sign-in", export, StringComparison.Ordinal);
            // The link is signed for this person: fetched with the browser's own cookies it answers the CSV.
            var csv = await page.APIRequest.GetAsync(console.BaseUrl + export);
            Assert.Equal(200, csv.Status);
            Assert.StartsWith("text/csv", csv.Headers["content-type"], StringComparison.Ordinal);
            Assert.True(await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
                "select count(*) from gov.audit_log where action = 'audit.view' and details ->> 'action' = 'auth.sign-in' and actor_roles = 'Auditor'") >= 1);
            // Through a real socket the browser's address is recorded with the sign-in.
            Assert.True(await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
                "select count(*) from gov.audit_log where action = 'auth.sign-in' and outcome = 'success' and client_address = '127.0.0.1'") >= 1);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
