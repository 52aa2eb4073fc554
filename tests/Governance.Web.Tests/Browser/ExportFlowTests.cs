using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>
/// A privacy officer in Chromium takes an access request from intake to a downloaded package: enters it, finds the
/// person, verifies and approves, runs the export, downloads the ZIP and checks it with sha256sum; an auditor's browser
/// is refused the package, and the link answers 410 once the package has expired. The password-protected copy for the
/// person is made, its password read off the page, and the copy opened with it.
/// </summary>
public sealed class ExportFlowTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Officer_TakesAnAccessRequestFromIntakeToAVerifiedPackage_AnAuditorIsRefused_AndTheLinkExpires()
    {
        var eu = databases.Settings["ChatStores:eu:ConnectionString"]!;
        var person = await TestPostgres.ScalarAsync<long>(eu, "select sender_id from messages group by sender_id order by count(*) desc, sender_id limit 1");
        var email = await TestPostgres.ScalarAsync<string>(eu, $"select email from users where id = {person}");
        var messages = await TestPostgres.ScalarAsync<long>(eu, $"select count(*) from messages where sender_id = {person}");
        await using var console = await ConsoleProcess.StartAsync(databases.Settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(BrowserSettings.Launch);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, AcceptDownloads = true });
        page.SetDefaultTimeout(60_000);
        var work = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "export-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        string link;
        string copyLink;
        try
        {
            await BrowserSettings.SignInAsync(page, console.BaseUrl, "/requests", "officer");
            await RequestSteps.OpenLetterAsync(page, "access", "2026-11-20T10:00");
            var reference = await RequestSteps.SaveAsync(page, email);
            await RequestSteps.FindAndVerifyAsync(page);
            await RequestSteps.ApproveAsync(page, "no exemption applies");

            await page.GetByRole(AriaRole.Button, new() { Name = "Run the export" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "Completed", new() { Timeout = 120_000 });
            var row = page.Locator("[data-testid=export-packages] tr[data-region=eu]");
            await Assertions.Expect(row).ToContainTextAsync("Ready");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "export.png"), FullPage = true });

            var download = await page.RunAndWaitForDownloadAsync(() => row.Locator("[data-testid=export-download]").ClickAsync());
            var zipFile = Path.Combine(work, "package.zip");
            await download.SaveAsAsync(zipFile);
            link = (await row.Locator("[data-testid=export-download]").GetAttributeAsync("href"))!;

            using (var zip = ZipFile.OpenRead(zipFile))
            {
                using var manifest = JsonDocument.Parse(new StreamReader(zip.GetEntry("manifest.json")!.Open()).ReadToEnd());
                Assert.Equal(reference, manifest.RootElement.GetProperty("request").GetString());
                var own = manifest.RootElement.GetProperty("collections").EnumerateArray()
                    .Single(c => c.GetProperty("collection").GetString() == "messages" && c.GetProperty("what").GetString()!.StartsWith("rows where the person is author", StringComparison.Ordinal));
                Assert.Equal(messages, own.GetProperty("rows").GetInt64());
                var total = manifest.RootElement.GetProperty("collections").EnumerateArray().Sum(c => c.GetProperty("rows").GetInt64());
                zip.ExtractToDirectory(Path.Combine(work, "unpacked"));

                // The summary, in both languages, counts what the package holds.
                string PdfText(string name)
                {
                    using var pdf = UglyToad.PdfPig.PdfDocument.Open(Path.Combine(work, "unpacked", name));
                    return string.Join("\n", pdf.GetPages().Select(p => UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor.ContentOrderTextExtractor.GetText(p))).Replace("\n", " ", StringComparison.Ordinal);
                }

                var english = PdfText("summary.pdf");
                File.Copy(Path.Combine(work, "unpacked", "summary.zh-CN.pdf"), Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "export-summary.zh-CN.pdf"), overwrite: true);
                Assert.Contains($"Rows in this package {total:N0}", english, StringComparison.Ordinal);
                Assert.Contains("GDPR Art. 77", english, StringComparison.Ordinal);
                Assert.Contains("object storage provider", english, StringComparison.Ordinal); // attachments' recipient, from the map
                Assert.Contains("您的个人数据：摘要", PdfText("summary.zh-CN.pdf"), StringComparison.Ordinal);
            }

            using var check = Process.Start(new ProcessStartInfo("sha256sum", ["-c", "--strict", "SHA256SUMS"]) { WorkingDirectory = Path.Combine(work, "unpacked"), RedirectStandardOutput = true })!;
            var said = await check.StandardOutput.ReadToEndAsync();
            await check.WaitForExitAsync();
            Assert.True(check.ExitCode == 0, said);

            // The copy for the person: its password shown once, the file opened with it by a reader of the AES ZIP specification.
            await row.Locator("[data-testid=person-copy-make]").ClickAsync();
            var password = await page.Locator("[data-testid=person-copy-password]").InnerTextAsync();
            await page.WaitForTimeoutAsync(800); // the message bar fades in: the screenshot is for a person to look at
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "export-copy.png"), FullPage = true });
            var copyDownload = await page.RunAndWaitForDownloadAsync(() => row.Locator("[data-testid=person-copy-download]").ClickAsync());
            var copyFile = Path.Combine(work, "copy.zip");
            await copyDownload.SaveAsAsync(copyFile);
            copyLink = (await row.Locator("[data-testid=person-copy-download]").GetAttributeAsync("href"))!;
            var copied = Governance.Core.Tests.Exports.WinZipAesReader.Read(await File.ReadAllBytesAsync(copyFile), password);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(work, "unpacked", "manifest.json")), copied.Single(e => e.Name == "manifest.json").Data);
            Assert.Equal(Directory.GetFiles(Path.Combine(work, "unpacked"), "*", SearchOption.AllDirectories).Length, copied.Count);
            await page.ReloadAsync();
            await Assertions.Expect(page.Locator("[data-testid=person-copy-password]")).ToHaveCountAsync(0); // shown once
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"Browser flow failed at {page.Url}; console output:\n{console.Output}", ex);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        // Another role may not have it, even with the link; and once it has expired the link answers 410.
        var auditor = await browser.NewPageAsync();
        await BrowserSettings.SignInAsync(auditor, console.BaseUrl, "/", "auditor");
        var refused = await auditor.APIRequest.GetAsync($"{console.BaseUrl}{link}");
        Assert.Equal((int)HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal((int)HttpStatusCode.Forbidden, (await auditor.APIRequest.GetAsync($"{console.BaseUrl}{copyLink}")).Status);
        await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "with u as (update gov.exports set expires_at = now() - interval '1 minute' returning 1) select count(*) from u");
        var gone = await page.APIRequest.GetAsync($"{console.BaseUrl}{link}");
        Assert.Equal((int)HttpStatusCode.Gone, gone.Status);
        Assert.Equal((int)HttpStatusCode.Gone, (await page.APIRequest.GetAsync($"{console.BaseUrl}{copyLink}")).Status);
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.audit_log where action = 'export.person-copy.download' and outcome = 'success'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.audit_log where action = 'export.download' and outcome = 'success'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.audit_log where action = 'export.download' and outcome = 'denied'"));
    }
}
