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

    /// <summary>
    /// A privacy officer changes a rule's age on the page: the change is shown as a difference, saved with a reason,
    /// written to the file (read back from disk), in force at once, and listed as a version beside the one found in the
    /// folder (checked by SQL). The console runs on a copy of the policies folder, never the repository's.
    /// </summary>
    [Fact]
    public async Task Officer_ChangesARule_SeesTheDifference_AndTheFileAndItsVersionsFollow()
    {
        var folder = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), $"policies-{Guid.NewGuid():N}");
        var policies = Path.GetDirectoryName(RepositoryFolders.Policies())!;
        foreach (var kind in new[] { "datamap", "retention" })
        {
            Directory.CreateDirectory(Path.Combine(folder, kind));
            foreach (var file in Directory.GetFiles(Path.Combine(policies, kind), "*.yaml"))
            {
                File.Copy(file, Path.Combine(folder, kind, Path.GetFileName(file)));
            }
        }

        var settings = new Dictionary<string, string?>(databases.Settings) { ["DataMap:Directory"] = Path.Combine(folder, "datamap") };
        await using var console = await ConsoleProcess.StartAsync(settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/retention", "officer");
            var sessions = page.Locator("[data-testid=retention-rules][data-interactive=true] tr[data-rule=sessions-ninety-days]");
            await sessions.Locator("[data-testid=retention-change]").ClickAsync();
            var age = page.Locator("[data-testid=change-age] input");
            await Assertions.Expect(age).ToHaveValueAsync("P90D");
            await age.FillAsync("P60D");
            await page.Locator("[data-testid=change-review]").ClickAsync();

            var review = page.Locator("[data-testid=change-under-review]");
            await Assertions.Expect(review.Locator("tr[data-kind=removed]")).ToContainTextAsync("age: P90D");
            await Assertions.Expect(review.Locator("tr[data-kind=added]")).ToContainTextAsync("age: P60D");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "retention-change.png"), FullPage = true });
            await review.Locator("[data-testid=edit-reason] input").FillAsync("Security policy SP-2 shortened to sixty days");
            await review.Locator("[data-testid=edit-save]").ClickAsync();

            await Assertions.Expect(page.Locator("[data-testid=retention-message]")).ToContainTextAsync("saved as version 2", new() { Timeout = 30_000 });
            await Assertions.Expect(sessions).ToContainTextAsync("60 days");
            var chat = await File.ReadAllTextAsync(Path.Combine(folder, "retention", "chat.yaml"));
            Assert.Contains("age: P60D", chat, StringComparison.Ordinal);
            Assert.DoesNotContain("age: P90D", chat, StringComparison.Ordinal);
            var versions = await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
                "select string_agg(version || ':' || source || ':' || reason, '|' order by version) from gov.retention_rule_versions where file = 'chat.yaml'");
            Assert.Equal("1:files:The file as the console first read it.|2:console:Security policy SP-2 shortened to sixty days", versions);

            var chatFile = page.Locator("[data-testid=retention-files] [data-file='chat.yaml']");
            await chatFile.Locator("[data-testid=file-history-toggle]").ClickAsync();
            await chatFile.Locator("tr[data-version='2'] [data-testid=version-diff]").ClickAsync();
            await Assertions.Expect(chatFile.Locator("[data-testid=diff] tr[data-kind=added]")).ToContainTextAsync("age: P60D");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "retention-versions.png"), FullPage = true });

            // The whole file is edited where its button is, below the rules; a change that breaks it cannot be saved.
            var consoleFile = page.Locator("[data-testid=retention-files] [data-file='console.yaml']");
            await consoleFile.Locator("[data-testid=file-edit-start]").ClickAsync();
            var text = page.Locator("[data-testid=retention-files] [data-testid=file-edit] textarea");
            await Assertions.Expect(text).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("closed-requests-three-years"));
            await text.FillAsync((await text.InputValueAsync()).Replace("age: P36M", "age: P12M", StringComparison.Ordinal));
            await page.Locator("[data-testid=retention-files] [data-testid=file-review]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=retention-files] [data-testid=review-problems]")).ToContainTextAsync("24 months");
            await Assertions.Expect(page.Locator("[data-testid=edit-save]")).ToHaveCountAsync(0);
            Assert.Contains("age: P36M", await File.ReadAllTextAsync(Path.Combine(folder, "retention", "console.yaml")), StringComparison.Ordinal);

            // A page the role does not open answers 403 in the console's look, with the menu.
            var denied = await page.GotoAsync($"{console.BaseUrl}/jobs");
            Assert.Equal(403, denied!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("a[href='/retention']").First).ToBeVisibleAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "not-allowed.png"), FullPage = true });
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "retention-change-failed.png"), FullPage = true });
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
