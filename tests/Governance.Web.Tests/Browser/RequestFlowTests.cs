using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// A privacy officer in Chromium enters a request received by letter, finds the person in the regional stores,
/// verifies them, approves the request and finds it in the list with its due date.
/// </summary>
public sealed class RequestFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Officer_EntersALetter_FindsThePerson_Verifies_Approves_AndSeesItListedWithItsDueDate()
    {
        var email = await TestPostgres.ScalarAsync<string>(databases.Settings["ChatStores:eu:ConnectionString"]!, "select email from users order by id limit 1");
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/requests", "officer");
            await RequestSteps.OpenLetterAsync(page, "access", "2026-11-02T09:15");

            // A broken e-mail is refused with a message next to the field.
            await RequestSteps.FillAsync(page, "email", "not-an-address");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save request" }).ClickAsync();
            await Assertions.Expect(page.Locator(".field-problem[data-field=email]")).ToContainTextAsync("valid e-mail");

            var reference = await RequestSteps.SaveAsync(page, email);
            Assert.StartsWith("DSR-2026-", reference, StringComparison.Ordinal);
            // Received Monday 2 November 2026 (Brussels): one calendar month, due Wednesday 2 December.
            await Assertions.Expect(page.Locator("[data-testid=request-due]")).ToContainTextAsync("Due 2026-12-02");
            var daysLeft = new DateOnly(2026, 12, 2).DayNumber - DateOnly.FromDateTime(DateTime.UtcNow).DayNumber;
            await Assertions.Expect(page.Locator("[data-testid=request-days-left]")).ToContainTextAsync(
                daysLeft > 1 ? $"{daysLeft} days left" : daysLeft == 1 ? "1 day left" : daysLeft == 0 ? "due today" : "overdue by");
            // Received at 09:15 in Brussels (UTC+1 in November): shown in UTC and on the regime's own clock.
            await Assertions.Expect(page.Locator("[data-testid=request-received]")).ToContainTextAsync("2026-11-02 08:15 UTC (2026-11-02 09:15 Europe/Brussels)");
            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveTextAsync("Received");

            await RequestSteps.FindAndVerifyAsync(page);
            await Assertions.Expect(page.Locator("[data-testid=verified]")).ToContainTextAsync("identity document seen");
            // The account found is named as the store names the person (read here straight from the store).
            var name = await TestPostgres.ScalarAsync<string>(databases.Settings["ChatStores:eu:ConnectionString"]!, "select display_name from users order by id limit 1");
            await Assertions.Expect(page.Locator("[data-testid=find-person] tr[data-store=eu] [data-testid=found-names]")).ToHaveTextAsync(name);

            // The store search stays with the request: a reload shows it, with when and by whom.
            await page.ReloadAsync();
            await Assertions.Expect(page.Locator("[data-testid=find-person] tr[data-store=eu]")).ToContainTextAsync("1 account: id ");
            await Assertions.Expect(page.Locator("[data-testid=search-when]")).ToContainTextAsync("officer");
            // A legal hold on exactly the accounts found: without a matter it is refused beside the button, then placed.
            await page.Locator("[data-testid=workflow][data-interactive=true]").WaitForAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Place a legal hold on the accounts found" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=hold-found-problem]")).ToContainTextAsync("matter");
            await page.Locator("[data-testid=hold-found-matter] input").FillAsync("Smith v. Example (litigation)");
            await page.GetByRole(AriaRole.Button, new() { Name = "Place a legal hold on the accounts found" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=hold-found-message]")).ToContainTextAsync("Created HOLD-");
            await Assertions.Expect(page.Locator("[data-testid=request-held]")).ToBeVisibleAsync();
            Assert.Equal("eu", await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
                "select string_agg(distinct s.store, ',') from gov.legal_hold_scope s join gov.legal_holds h on h.id = s.hold_id where h.matter = 'Smith v. Example (litigation)'"));

            // No next step is chosen for the person (it once defaulted to Deny).
            await Assertions.Expect(page.Locator("fluent-select[data-testid=action]")).ToHaveJSPropertyAsync("value", "");
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Apply" })).ToBeDisabledAsync();
            await RequestSteps.ApproveAsync(page, "no exemption applies");
            await Assertions.Expect(page.Locator("[data-testid=export-start]")).ToBeVisibleAsync(); // the next step is the export
            await Assertions.Expect(page.Locator("[data-testid=timeline] li")).ToHaveCountAsync(4);
            await Assertions.Expect(page.Locator("[data-testid=timeline] li").First).ToHaveAttributeAsync("data-event", "received");
            await Assertions.Expect(page.Locator("[data-testid=timeline] li").Nth(1)).ToContainTextAsync("started the identity check (Received → Checking identity)");
            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveTextAsync("Approved, to be carried out");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "request.png"), FullPage = true });

            await page.GotoAsync($"{console.BaseUrl}/requests");
            await page.Locator("form[data-interactive=true]").WaitForAsync();
            await RequestSteps.ChooseAsync(page, "filter-state", "Approved");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            var row = page.Locator("[data-testid=request-grid] tr", new() { Has = page.Locator($"a[data-reference='{reference}']") });
            await Assertions.Expect(row).ToContainTextAsync("2026-12-02");
            await Assertions.Expect(row).ToContainTextAsync("Approved");

            // Created and moved three times; opened (once a minute at most) and searched for once: reading is audited too.
            string Count(string where) => $"select count(*) from gov.audit_log a join gov.requests r on r.id::text = a.request_id where r.reference = '{reference}' and {where}";
            Assert.Equal(4, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, Count("a.action not in ('request.view', 'person.search')")));
            Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, Count("a.action = 'person.search'")));
            Assert.InRange(await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, Count("a.action = 'request.view'")), 1, 3);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
