using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// A privacy officer in Chromium reads the retention rules in force, previews one (the count equals direct SQL on the
/// store), runs it and sees the run in the history; asks for a run of a rule that needs approval, approves it with a
/// reason, and sees it done: nothing removed before the approval.
/// </summary>
public sealed class RetentionPageTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Officer_PreviewsRunsAndApproves_AndTheStoreChangesOnlyAsTheRunsSay()
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
            await Assertions.Expect(rules.Locator("tr[data-rule]")).ToHaveCountAsync(Directory.GetFiles(Path.Combine(Path.GetDirectoryName(RepositoryFolders.Policies())!, "retention"), "*.yaml").SelectMany(File.ReadAllLines).Count(l => l.TrimStart().StartsWith("- name:", StringComparison.Ordinal)));
            var sessions = rules.Locator("tr[data-rule=sessions-ninety-days]");
            await Assertions.Expect(sessions).ToContainTextAsync("90 days");
            await Assertions.Expect(sessions).ToContainTextAsync("every store");

            await sessions.Locator("[data-testid=retention-preview]").ClickAsync();
            var row = page.Locator("[data-testid=retention-preview-result] tr[data-store=eu]");
            await Assertions.Expect(row).ToBeVisibleAsync();
            var expected = await TestPostgres.ScalarAsync<long>(eu, "select count(*) from sessions where created_at < now() - interval '90 days'");
            await Assertions.Expect(row.Locator("[data-testid=would-go]")).ToHaveTextAsync(expected.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            await Assertions.Expect(row.Locator("[data-testid=held]")).ToHaveTextAsync("0");

            // Run it now: the run appears in the history and ends having removed what the preview counted.
            var before = await TestPostgres.ScalarAsync<long>(eu, "select count(*) from sessions");
            await sessions.Locator("[data-testid=retention-run]").ClickAsync();
            var run = page.Locator("[data-testid=retention-runs] tr[data-rule=sessions-ninety-days][data-store=eu]");
            await Assertions.Expect(run.Locator("[data-testid=run-state]")).ToHaveTextAsync("Done", new() { Timeout = 120_000 });
            await Assertions.Expect(run.Locator("[data-testid=run-removed]")).ToHaveTextAsync(expected.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(before - expected, await TestPostgres.ScalarAsync<long>(eu, "select count(*) from sessions"));

            // A rule that needs approval: asked for, nothing removed until a privacy officer approves with a reason.
            var direct = rules.Locator("tr[data-rule=direct-messages-one-year]");
            var messages = await TestPostgres.ScalarAsync<long>(eu, "select count(*) from messages");
            var due = await TestPostgres.ScalarAsync<long>(eu, "select count(*) from messages m join conversations c on c.id = m.conversation_id where c.kind = 'direct' and m.created_at < now() - interval '1 year'");
            await direct.Locator("[data-testid=retention-run]").ClickAsync();
            var approval = page.Locator("[data-testid=retention-approvals] [data-rule=direct-messages-one-year][data-store=eu]");
            await Assertions.Expect(approval.Locator("[data-testid=approval-due]")).ToHaveTextAsync(due.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(messages, await TestPostgres.ScalarAsync<long>(eu, "select count(*) from messages"));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "retention-approval.png"), FullPage = true });
            await approval.Locator("[data-testid=approval-reason] input").FillAsync("Checked against records schedule RS-4.1");
            await approval.Locator("[data-testid=approve]").ClickAsync();
            var approved = page.Locator("[data-testid=retention-runs] tr[data-rule=direct-messages-one-year][data-store=eu]");
            await Assertions.Expect(approved.Locator("[data-testid=run-state]")).ToHaveTextAsync("Done", new() { Timeout = 120_000 });
            Assert.Equal(messages - due, await TestPostgres.ScalarAsync<long>(eu, "select count(*) from messages"));
            await Assertions.Expect(approved).ToContainTextAsync("approved by");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "retention.png"), FullPage = true });
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
