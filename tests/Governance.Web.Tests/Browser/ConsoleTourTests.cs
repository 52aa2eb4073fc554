using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// Every page of the console, in English and in Simplified Chinese, in Chromium: checked by axe-core (no serious or
/// critical violation) and saved as a screenshot (TestResults/artifacts/screens/{language}-{page}.png). The language comes
/// from the browser until the person picks one, and the pick is remembered.
/// </summary>
public sealed partial class ConsoleTourTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    /// <summary>The pages, with the heading each shows in each language (the Chinese written here, from the translation).</summary>
    private static readonly (string Name, string Path, string English, string Chinese)[] Pages =
    [
        ("dashboard", "/", "Dashboard", "仪表板"),
        ("requests", "/requests", "Data-subject requests", "数据主体请求"),
        ("new-request", "/requests/new", "New data-subject request", "新建数据主体请求"),
        ("request", "/requests/{request}", "DSR-TOUR-1", "DSR-TOUR-1"),
        ("holds", "/holds", "Legal holds", "法律保全"),
        ("retention", "/retention", "Retention", "保留期限"),
        ("residency", "/residency", "Data residency", "数据驻留"),
        ("audit", "/audit", "Audit log", "审计日志"),
        ("reports", "/reports", "Reports", "报告"),
        ("datamap", "/datamap", "Data map", "数据地图"),
        ("settings", "/settings", "Settings", "设置"),
        ("accounts", "/settings/accounts", "Accounts", "账户"),
        ("jobs", "/jobs-overview", "Jobs", "作业"),
    ];

    private async Task<Guid> RequestAsync()
    {
        var id = Guid.NewGuid();
        await TestPostgres.ScalarAsync<int>(databases.AdminConnectionString, $"""
            insert into gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at)
            values ('{id}', 'DSR-TOUR-1', 'gdpr', 'access', 'Received', 'email', 'tour-person@example.org', now() - interval '3 days',
                    current_date - 3, current_date + 27, now() + interval '27 days')
            returning 1
            """);
        return id;
    }

    [GeneratedRegex("[A-Za-z]{3,}")]
    private static partial Regex Word();

    [Fact]
    public async Task EveryPage_InBothLanguages_PassesAxe_AndIsSaved_AndTheLanguageChoiceIsRemembered()
    {
        var request = await RequestAsync();
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        // A browser that prefers Chinese: the sign-in page is Chinese before anyone chooses.
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "zh-CN", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        var problems = new List<string>();

        try
        {
            await page.GotoAsync($"{console.BaseUrl}/account/login");
            await Assertions.Expect(page.Locator("main.login h1")).ToHaveTextAsync("数据治理控制台");
            await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
            await CheckAsync(page, "zh-CN", "sign-in", problems);

            // Choosing English is remembered: a new visit to the page stays English although the browser prefers Chinese.
            await page.Locator("[data-testid=language-picker] button[data-culture=en]").ClickAsync();
            await Assertions.Expect(page.Locator("main.login h1")).ToHaveTextAsync("Governance console");
            await page.GotoAsync($"{console.BaseUrl}/account/login");
            await Assertions.Expect(page.Locator("main.login h1")).ToHaveTextAsync("Governance console");
            await CheckAsync(page, "en", "sign-in", problems);

            await page.FillAsync("#userName", "admin");
            await page.FillAsync("#password", ConsoleDatabases.Password);
            await page.ClickAsync("[data-testid=login-form] button[type=submit]");
            await Assertions.Expect(page).ToHaveURLAsync($"{console.BaseUrl}/", new() { Timeout = 60_000 });
            // Signed in from the English page: the person's language is English until they choose.
            Assert.Equal("en", await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
                $"select language from gov.staff where actor_id = '{await databases.ActorIdAsync("admin")}'"));

            foreach (var language in new[] { "en", "zh-CN" })
            {
                if (language == "zh-CN")
                {
                    await page.Locator("[data-testid=language-picker] button[data-culture=zh-CN]").ClickAsync();
                    await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
                    // The choice is kept with the person too: notice e-mails are written in it.
                    Assert.Equal("zh-CN", await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
                        $"select language from gov.staff where actor_id = '{await databases.ActorIdAsync("admin")}'"));
                }

                foreach (var (name, path, english, chinese) in Pages)
                {
                    await page.GotoAsync(console.BaseUrl + path.Replace("{request}", request.ToString(), StringComparison.Ordinal));
                    var heading = language == "en" ? english : chinese;
                    await Assertions.Expect(page.Locator("h1").First).ToContainTextAsync(heading, new() { Timeout = 120_000 });
                    await page.WaitForFunctionAsync("() => window.Blazor !== undefined");
                    await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                    // Checked and saved as the reader sees it once loaded, not while its figures are still coming.
                    await Assertions.Expect(page.Locator("fluent-progress-ring")).ToHaveCountAsync(0, new() { Timeout = 120_000 });
                    await CheckAsync(page, language, name, problems);
                    if (language == "zh-CN")
                    {
                        problems.AddRange(await EnglishLeftAsync(page, name));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Tour failed at {page.Url}; console output:\n{console.Output}", ex);
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Axe-core on the page as it is; the screenshot saved whatever axe says.</summary>
    private static async Task CheckAsync(IPage page, string language, string name, List<string> problems)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSettings.Screens(), $"{language}-{name}.png"), FullPage = true });
        var results = await page.RunAxe();
        foreach (var v in results.Violations.Where(v => v.Impact is "serious" or "critical"))
        {
            problems.Add($"{language} {name}: {v.Impact} {v.Id} ({v.Help}) at {string.Join("; ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}");
        }
    }

    /// <summary>
    /// Visible text of a translated page that is still English: three Latin letters in a row outside the things that
    /// stay as they are in every language (references, codes, names of stores, people and products).
    /// </summary>
    private static async Task<IEnumerable<string>> EnglishLeftAsync(IPage page, string name)
    {
        var texts = await page.EvaluateAsync<string[]>("""
            () => {
              const out = [];
              const walker = document.createTreeWalker(document.querySelector('.content') || document.body, NodeFilter.SHOW_TEXT);
              for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                const el = n.parentElement;
                if (!el || el.closest('code, [translate=no], [data-reference], [data-job], script, style, title, svg title, .app-title')) continue;
                if (!el.checkVisibility || !el.checkVisibility()) continue;
                const t = n.textContent.trim();
                if (t) out.push(t);
              }
              return out;
            }
            """);
        return texts.Where(t => !Stays(t)).Distinct().Select(t => $"zh-CN {name}: English left: \"{t}\"");
    }

    /// <summary>
    /// What a Chinese page shows as it is: references, UTC and zone names, codes of regimes and request types (in
    /// <c>translate="no"</c> where they are codes), e-mail addresses, product names.
    /// </summary>
    private static bool Stays(string text) =>
        !Word().IsMatch(Regex.Replace(text, @"DSR-[A-Z0-9-]+|\bUTC\b|\b(GDPR|CCPA|CPRA|PIPL|English|Microsoft Entra ID|JSON|ZIP|PDF|CSV|YAML|SHA-256|API|AES-256|local:\d+)\b|[\w.+-]+@[\w.-]+|\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b", ""));
}
