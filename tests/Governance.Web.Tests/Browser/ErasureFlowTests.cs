using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;
using Npgsql;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// A privacy officer in Chromium takes an erasure request from intake to its certificate: enters it, finds the
/// person, verifies and approves, runs the erasure, watches it go through the job server to Completed, sees what was
/// done store by store, and downloads the certificate; the store and the governance database say the same by SQL.
/// </summary>
public sealed class ErasureFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Officer_TakesAnErasureFromIntakeToItsCertificate_AndThePersonsMessagesAreTombstoned()
    {
        var eu = databases.Settings["ChatStores:eu:ConnectionString"]!;
        var person = await TestPostgres.ScalarAsync<long>(eu, "select sender_id from messages group by sender_id order by count(*) desc, sender_id limit 1");
        var email = await TestPostgres.ScalarAsync<string>(eu, $"select email from users where id = {person}");
        var messages = await TestPostgres.ScalarAsync<long>(eu, $"select count(*) from messages where sender_id = {person}");
        byte[] certificate;
        var id = Guid.Empty;
        var reference = "";
        var settings = new Dictionary<string, string?>(databases.Settings) { ["DataMap:PseudonymKey"] = Convert.ToBase64String(TestKeys.PseudonymKey) };
        await using var console = await ConsoleProcess.StartAsync(settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(60_000);
        try
        {
            // Intake: a letter asking for erasure, entered by the officer.
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/requests", "officer");
            await RequestSteps.OpenLetterAsync(page, "erasure", "2026-11-20T10:00");
            reference = await RequestSteps.SaveAsync(page, email);
            id = Guid.Parse(page.Url[^36..]);

            // Found, verified, approved.
            await RequestSteps.FindAndVerifyAsync(page);
            await RequestSteps.ApproveAsync(page, "no exemption of Art. 17(3) applies");
            await page.Locator("[data-testid=erasure-start]:not([disabled])").WaitForAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Run the erasure" }).ClickAsync();

            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "Completed", new() { Timeout = 120_000 });
            var row = page.Locator("[data-testid=erasure-progress] tr[data-store=eu]");
            await Assertions.Expect(row).ToContainTextAsync("Nothing left");
            await Assertions.Expect(page.Locator("[data-testid=erasure-progress] tr[data-store=us]")).ToContainTextAsync("not in this store");
            await Assertions.Expect(page.Locator("[data-testid=erasure-status]")).ToContainTextAsync("Completed");
            await Assertions.Expect(page.Locator("[data-testid=erasure-recipients]")).ToContainTextAsync("object storage provider"); // attachments were erased

            // The certificate, once the request's audit entries are sealed (the console seals in the background).
            for (var i = 0; i < 600 && await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
                $"select count(*) from gov.audit_log l where l.request_id = '{id}' and not exists (select 1 from gov.audit_chain c where c.entry_id = l.id)") > 0; i++)
            {
                await Task.Delay(100);
            }

            await page.GetByRole(AriaRole.Button, new() { Name = "Generate the certificate (English)" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=certificate-download]")).ToHaveCountAsync(1);
            await page.GetByRole(AriaRole.Button, new() { Name = "生成删除证明（简体中文）" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=certificate-download]")).ToHaveCountAsync(2);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "erasure.png"), FullPage = true });
            var english = page.Locator("[data-testid=certificate-download]", new() { HasText = "English" });
            var download = await page.RunAndWaitForDownloadAsync(() => english.ClickAsync());
            var file = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "erasure-certificate.pdf");
            await download.SaveAsAsync(file);
            certificate = await File.ReadAllBytesAsync(file);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }

        Assert.True(messages > 0);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(eu, $"select count(*) from messages where sender_id = {person} and body <> '[message deleted]'"));
        Assert.Equal(messages, await TestPostgres.ScalarAsync<long>(eu, $"select count(*) from messages where sender_id = {person}"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"select count(*) from gov.audit_log where action = 'erasure.run' and request_id = '{id}' and outcome = 'success' and actor_id = 'job:erasure'"));

        // The certificate says what the governance database says, and is the file kept with its hash.
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(certificate)), await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
            $"select sha256 from gov.reports where kind = 'erasure' and language = 'en' and parameters->>'request' = '{id}'"));
        using var pdf = UglyToad.PdfPig.PdfDocument.Open(certificate);
        var text = string.Join("\n", pdf.GetPages().Select(p => UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor.ContentOrderTextExtractor.GetText(p)));
        var flat = text.Replace("\n", " ", StringComparison.Ordinal);
        Assert.Contains($"Certificate of erasure {reference}", text.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal); // the title may wrap
        var erased = await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"select sum(s.changed) from gov.erasure_steps s join gov.erasure_runs r on r.id = s.run_id where r.request_id = '{id}'");
        Assert.Contains($"Rows erased {erased:N0}", flat, StringComparison.Ordinal);
        var positions = await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
            $"select string_agg(c.seq::text, ', ' order by c.seq) from gov.audit_log l join gov.audit_chain c on c.entry_id = l.id where l.request_id = '{id}'");
        Assert.Contains($"positions {positions}", flat, StringComparison.Ordinal);
        var lastHash = await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
            $"select encode(c.hash, 'hex') from gov.audit_log l join gov.audit_chain c on c.entry_id = l.id where l.request_id = '{id}' order by c.seq desc limit 1");
        Assert.Contains(lastHash, text.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(email, flat, StringComparison.OrdinalIgnoreCase); // the certificate names no one
        Assert.Contains("object storage provider", flat, StringComparison.Ordinal);
    }
}
