using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>Debian's Chromium, started as this closed network needs it, and the sign-in steps every flow begins with.</summary>
public static class BrowserSettings
{
    public const string Chromium = "/usr/bin/chromium";

    public static BrowserTypeLaunchOptions Launch
    {
        get
        {
            Assert.True(File.Exists(Chromium), "Chromium is missing: ./test.sh installs it with apt-get.");
            return new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                ],
            };
        }
    }

    /// <summary>Where screenshots go (TestResults/artifacts/screens with ./test.sh), to be looked at after the run.</summary>
    public static string Screens() =>
        Directory.CreateDirectory(Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_ARTIFACTS") ?? Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "screens")).FullName;

    public static readonly PageWaitForURLOptions Committed = new() { WaitUntil = WaitUntilState.Commit };

    /// <summary>Opens <paramref name="path"/>, is sent to sign in, signs in, and is back on <paramref name="path"/>.</summary>
    /// <remarks>
    /// The addresses are checked by polling the page's URL: WaitForURLAsync, when the address already matches, waits
    /// for the page's load event whatever WaitUntil says, which once held a run for its whole timeout.
    /// </remarks>
    public static async Task SignInAsync(IPage page, string baseUrl, string path, string user)
    {
        await page.GotoAsync($"{baseUrl}{path}", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 60_000 });
        await page.FillAsync("#userName", user);
        await page.FillAsync("#password", ConsoleDatabases.Password);
        await page.ClickAsync("[data-testid=login-form] button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync($"{baseUrl}{path}", new() { Timeout = 60_000 });
    }
}
