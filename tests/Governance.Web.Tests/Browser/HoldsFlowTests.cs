using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>Legal places a hold in the browser: the custodian found by e-mail, named as the store names them; the confirmation a toast over the page.</summary>
public sealed class HoldsFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task AHoldOnACustodianFoundByEmail_IsConfirmedInAToast_AndListsTheCustodianByName()
    {
        // A person of the eu store, read here straight from the store.
        var eu = databases.Settings["ChatStores:eu:ConnectionString"]!;
        var email = await TestPostgres.ScalarAsync<string>(eu, "select email from users where email is not null order by id desc limit 1");
        var name = await TestPostgres.ScalarAsync<string>(eu, $"select display_name from users where email = '{email}'");
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/holds", "lawyer");
            await page.Locator("[data-testid=hold-new] form[data-interactive=true]").WaitForAsync();
            await page.Locator("[data-testid=hold-new] [data-testid=custodian-email] input").FillAsync(email);
            var find = page.Locator("[data-testid=hold-new] fluent-button[data-testid=custodian-find]");
            await Assertions.Expect(find).Not.ToHaveAttributeAsync("disabled", ""); // the console has the address
            await find.ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=hold-new] [data-testid=custodian-lookup]")).ToContainTextAsync("added");
            await Assertions.Expect(page.Locator("[data-testid=hold-new] [data-testid=custodians-found] li[data-store=eu] [data-testid=custodian-name]")).ToHaveTextAsync(name);
            await RequestSteps.FillAsync(page, "hold-matter", "Doe v. Example (browser)");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create hold" }).ClickAsync();

            var toast = page.Locator(".toast[role=status]");
            await Assertions.Expect(toast).ToContainTextAsync("Created HOLD-");
            await Assertions.Expect(toast).ToBeInViewportAsync(); // over the page where the reader is, not at its foot
            var row = page.Locator("tr", new() { Has = page.Locator("td", new() { HasText = "Doe v. Example (browser)" }) });
            await Assertions.Expect(row.Locator("[data-testid=hold-custodians]")).ToContainTextAsync($"{name} (eu)");
            // Who created it is named, not an actor id (the id is on hover); a hold without a window says so with a dash.
            await Assertions.Expect(row.Locator("td[title^='local:']")).ToContainTextAsync("by lawyer");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSettings.Screens(), "holds-toast.png"), Animations = ScreenshotAnimations.Disabled });

            await toast.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
            await Assertions.Expect(toast).ToHaveCountAsync(0);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Holds flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
    }
}
