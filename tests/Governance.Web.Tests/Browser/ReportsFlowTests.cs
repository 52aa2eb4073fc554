using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>An auditor asks for a report on the Reports page; the job server generates it; it appears in the list to download.</summary>
public sealed class ReportsFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Auditor_GeneratesTheRequestRegisterInChinese_ItAppearsWithItsHash_AndDownloads()
    {
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, AcceptDownloads = true });
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/reports", "auditor");
            await page.Locator("[data-testid=report-form][data-interactive=true]").WaitForAsync();
            await page.SelectOptionAsync("[data-testid=report-kind]", "requests");
            await page.SelectOptionAsync("select[name=lang]", "zh");
            await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
            await page.Locator("[data-testid=report-queued]").WaitForAsync();

            // The job server picks the job up; the list shows the report once it is stored. Under a full run (other consoles
            // and browsers on the same two cores, the tour checking 27 pages) this once took more than 80 s: up to 3 minutes.
            var row = page.Locator("[data-testid=reports-grid] tr", new() { HasText = "数据主体请求登记册与指标" });
            for (var i = 0; i < 180 && await row.CountAsync() == 0; i++)
            {
                await Task.Delay(1_000);
                await page.GetByRole(AriaRole.Button, new() { Name = "Refresh the list" }).ClickAsync();
            }

            await Assertions.Expect(row).ToHaveCountAsync(1);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_ARTIFACTS") ?? Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "reports.png"), FullPage = true });
            var download = await page.RunAndWaitForDownloadAsync(() => row.Locator("[data-testid=report-download]").ClickAsync());
            var file = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "downloaded-register.pdf");
            await download.SaveAsAsync(file);
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            await Assertions.Expect(row.Locator("code")).ToHaveAttributeAsync("title", sha);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Reports flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
