using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// Extending a deadline in a browser set to American English: the date fields read and show ISO dates (2027-01-02),
/// not the browser's 01/02/2027, and the page then says the new date in the same form.
/// </summary>
public sealed class RequestExtensionTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Extension_TakesIsoDates_InAnAmericanBrowser_AndShowsTheNewDueDate()
    {
        var id = Guid.NewGuid();
        var due = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(20);
        var newDue = due.AddDays(30);
        var told = DateOnly.FromDateTime(DateTime.UtcNow);
        await TestPostgres.ScalarAsync<int>(databases.AdminConnectionString, $"""
            insert into gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at, identity_verified)
            values ('{id}', 'DSR-EXT-1', 'gdpr', 'access', 'InReview', 'email', 'extension-person@example.org', now() - interval '10 days',
                    current_date - 10, '{due:yyyy-MM-dd}', '{due:yyyy-MM-dd} 22:59Z', true)
            returning 1
            """);
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);

        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, $"/requests/{id}", "officer");
            // Chosen before the page is interactive, a step would change the prerendered select and never reach the console.
            await page.Locator("[data-testid=workflow][data-interactive=true]").WaitForAsync();
            await Assertions.Expect(page.Locator("[data-testid=request-due]")).ToContainTextAsync($"Due {due:yyyy-MM-dd}");

            await RequestSteps.ChooseAsync(page, "action", "Extend");
            var newDueField = page.Locator("[data-testid=action-new-due] input");
            await newDueField.FillAsync(newDue.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            await newDueField.PressAsync("Tab");
            var toldField = page.Locator("[data-testid=action-told-on] input");
            await toldField.FillAsync(told.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            await toldField.PressAsync("Tab");
            await Assertions.Expect(newDueField).ToHaveValueAsync(newDue.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            await page.Locator("[data-testid=action-reason] input").FillAsync("complex request: many stores");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();

            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "Extended");
            await Assertions.Expect(page.Locator("[data-testid=request-due]")).ToContainTextAsync($"Due {newDue:yyyy-MM-dd} (extended from {due:yyyy-MM-dd})");
            Assert.Equal(newDue.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
                $"select to_char(extended_due_on, 'YYYY-MM-DD') from gov.requests where id = '{id}'"));
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
