using System.Security.Cryptography;
using System.Text;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// Legal's decisions in the browser: a repeat of a request closed as its duplicate (after a "separate" without a reason is
/// refused), and a refusal with a listed reason whose letter is drafted in Chinese, edited and recorded as sent.
/// </summary>
public sealed class RequestDecisionFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    private Task<string> Sql(string sql) => TestPostgres.ScalarAsync<string>(databases.AdminConnectionString, sql);

    private Task Insert(Guid id, string reference, string state, string email, int daysAgo) => TestPostgres.ScalarAsync<int>(databases.AdminConnectionString, $"""
        insert into gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at, identity_verified)
        values ('{id}', '{reference}', 'gdpr', 'access', '{state}', 'email', '{email}', now() - interval '{daysAgo} days',
                current_date - {daysAgo}, current_date + 20, now() + interval '20 days', {(state == "InReview" ? "true" : "false")})
        returning 1
        """);

    private static async Task<IPage> OpenAsync(IBrowser browser)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        return page;
    }

    [Fact]
    public async Task Repeat_IsShownAtIntakeAndWithTheOriginal_ASeparateWithoutReasonIsRefused_AndItIsClosedAsItsDuplicate()
    {
        var (original, repeat) = (Guid.NewGuid(), Guid.NewGuid());
        await Insert(original, "DSR-DUP-1", "Verifying", "repeat-person@example.org", 10);
        await Insert(repeat, "DSR-DUP-2", "Received", "Repeat-Person@example.org", 1);
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await OpenAsync(browser);

        try
        {
            // At intake, the e-mail typed (in another case) already shows the person's two requests.
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/requests/new", "lawyer");
            await page.Locator("form[data-testid=new-request][data-interactive=true]").WaitForAsync();
            await RequestSteps.FillAsync(page, "email", "REPEAT-person@example.org");
            await Assertions.Expect(page.Locator("[data-testid=known-requests]")).ToContainTextAsync("DSR-DUP-1");
            await Assertions.Expect(page.Locator("[data-testid=known-requests]")).ToContainTextAsync("DSR-DUP-2");

            await page.GotoAsync($"{console.BaseUrl}/requests/{repeat}");
            await page.Locator("[data-testid=workflow][data-interactive=true]").WaitForAsync();
            var row = page.Locator("[data-testid=related] tr[data-reference=DSR-DUP-1]");
            await Assertions.Expect(row).ToContainTextAsync("same e-mail address");

            await row.Locator("[data-testid=mark-separate]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=repeat-problem]")).ToContainTextAsync("Say why the two requests are separate");
            Assert.Equal("0", await Sql($"select count(*)::text from gov.request_separate where request_id = '{repeat}'"));

            await page.Locator("[data-testid=repeat-reason] input").FillAsync("the same access request sent again by post");
            await row.Locator("[data-testid=mark-duplicate]").ClickAsync();

            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "Duplicate");
            await Assertions.Expect(page.Locator("[data-testid=duplicate-of]")).ToHaveTextAsync("DSR-DUP-1");
            Assert.Equal($"Duplicate|{original}", await Sql($"select state || '|' || duplicate_of from gov.requests where id = '{repeat}'"));

            // The letter for a duplicate names the request the person will be answered under.
            await page.Locator("[data-testid=letter-draft]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=letter-text] textarea")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("under reference DSR-DUP-1"));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSettings.Screens(), "request-duplicate.png"), FullPage = true });
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }

    [Fact]
    public async Task Refusal_NeedsItsArticleForAnExemption_ThenItsChineseLetterIsDraftedEditedAndKept()
    {
        var id = Guid.NewGuid();
        await Insert(id, "DSR-REF-1", "InReview", "refused-person@example.org", 5);
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await OpenAsync(browser);

        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, $"/requests/{id}", "lawyer");
            await page.Locator("[data-testid=workflow][data-interactive=true]").WaitForAsync();
            await RequestSteps.ChooseAsync(page, "action", "Deny");
            await RequestSteps.ChooseAsync(page, "action-denial-reason", "exemption");
            await page.Locator("[data-testid=action-reason] input").FillAsync("the data are needed to defend a pending claim");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=action-problem]")).ToContainTextAsync("An exemption names its article");
            Assert.Equal("InReview", await Sql($"select state from gov.requests where id = '{id}'"));

            await page.Locator("[data-testid=action-basis] input").FillAsync("Art. 17(3)(e)");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "Denied");
            await Assertions.Expect(page.Locator("[data-testid=request-closed]")).ToContainTextAsync("An exemption applies");
            Assert.Equal("exemption|GDPR Art. 17(3)(e)", await Sql($"select denial_reason || '|' || legal_basis from gov.requests where id = '{id}'"));

            await RequestSteps.ChooseAsync(page, "letter-language", "zh");
            await page.Locator("[data-testid=letter-draft]").ClickAsync();
            var text = page.Locator("[data-testid=letter-text] textarea");
            await Assertions.Expect(text).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("DSR-REF-1"));
            var draft = await text.InputValueAsync();
            Assert.Contains("第 77 条", draft, StringComparison.Ordinal);
            Assert.Contains("GDPR Art. 17(3)(e)", draft, StringComparison.Ordinal);
            var sent = draft + "\n隐私团队";
            await text.FillAsync(sent);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSettings.Screens(), "request-refusal-letter.png"), FullPage = true });
            await page.Locator("[data-testid=letter-record]").ClickAsync();

            await Assertions.Expect(page.Locator("[data-testid=letter-message]")).ToContainTextAsync("DSR-REF-1-refused-zh.txt");
            await Assertions.Expect(page.Locator("[data-testid=attachments]")).ToContainTextAsync("DSR-REF-1-refused-zh.txt");
            Assert.Equal($"response-letter|{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sent.ReplaceLineEndings("\n"))))}",
                await Sql($"select kind || '|' || encode(sha256, 'hex') from gov.request_attachments where request_id = '{id}'"));
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }

    [Fact]
    public async Task ClockStopped_WhileWaitingForIdentity_ThenRestarted_MovesTheDueDate_AndShowsItsHistory()
    {
        var id = Guid.NewGuid();
        await Insert(id, "DSR-CLK-1", "Verifying", "clock-person@example.org", 3);
        var dueBefore = await Sql($"select due_on::text from gov.requests where id = '{id}'");
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await OpenAsync(browser);
        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var twoDaysAgo = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, $"/requests/{id}", "officer");
            await page.Locator("[data-testid=workflow][data-interactive=true]").WaitForAsync();
            await RequestSteps.ChooseAsync(page, "action", "StopClock");
            await RequestSteps.ChooseAsync(page, "action-pause-reason", "identity-information");
            var on = page.Locator("[data-testid=action-on] input");
            await on.FillAsync(twoDaysAgo);
            await on.PressAsync("Tab");
            await page.Locator("[data-testid=action-reason] input").FillAsync("asked for a copy of the ID card");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "ClockStopped");
            await Assertions.Expect(page.Locator("[data-testid=clock-stopped]")).ToContainTextAsync("The clock stopped on " + twoDaysAgo);

            await RequestSteps.ChooseAsync(page, "action", "RestartClock");
            on = page.Locator("[data-testid=action-on] input");
            await on.FillAsync(today);
            await on.PressAsync("Tab");
            await page.Locator("[data-testid=action-reason] input").FillAsync("the ID card arrived");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "Verifying");

            // The due date is recomputed from receipt with the two days off the clock; the page shows it, with the stop in its history.
            var dueAfter = await Sql($"select due_on::text from gov.requests where id = '{id}'");
            Assert.True(string.CompareOrdinal(dueAfter, dueBefore) > 0, $"{dueAfter} after {dueBefore}");
            await Assertions.Expect(page.Locator("[data-testid=request-due]")).ToContainTextAsync("Due " + dueAfter);
            await Assertions.Expect(page.Locator("[data-testid=clock-stops]")).ToContainTextAsync(dueBefore);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSettings.Screens(), "request-clock-stopped.png"), FullPage = true });
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
