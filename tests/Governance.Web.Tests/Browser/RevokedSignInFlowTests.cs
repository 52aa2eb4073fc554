using Governance.Core.Audit;
using Governance.Core.Security;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// An open page in a real browser loses its sign-in within seconds of the account being disabled elsewhere: the
/// page re-checks its session and sends the person to sign in. The Admin's Accounts page is photographed on the way.
/// </summary>
public sealed class RevokedSignInFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task OpenPage_OfAnAccountDisabledElsewhere_GoesToSignInWithinSeconds()
    {
        var user = await databases.NewAccountAsync(Roles.Legal);
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var work = Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath();

        var admin = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        admin.SetDefaultTimeout(60_000);
        await BrowserSettings.SignInAsync(admin, console.BaseUrl, "/settings/accounts", "admin");
        await admin.WaitForLoadStateAsync(LoadState.Load);
        await admin.WaitForFunctionAsync("() => window.Blazor !== undefined");
        await Assertions.Expect(admin.Locator($"tr[data-account='{user}']")).ToContainTextAsync("Active");
        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(work, "accounts.png"), FullPage = true });

        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        page.SetDefaultTimeout(60_000);
        await BrowserSettings.SignInAsync(page, console.BaseUrl, "/requests", user);
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Data-subject requests");

        // The Admin disables the account on their own page; the person's open page is not reloaded by anyone.
        await admin.Locator($"tr[data-account='{user}'] fluent-button[data-action=disable]").ClickAsync();
        await Assertions.Expect(admin.Locator("[data-testid=accounts-message]")).ToContainTextAsync($"Disabled {user}.");

        // Pages re-check every 5 s; 30 s leaves room for two busy cores.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 30_000 });
        Assert.Equal(1, await Governance.Tests.Support.TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"select count(*) from gov.audit_log a join gov.local_accounts l on a.target_id = l.id::text where l.user_name = '{user}' and a.action = 'account.disable' and a.actor_id like 'local:%'"));
    }
}
