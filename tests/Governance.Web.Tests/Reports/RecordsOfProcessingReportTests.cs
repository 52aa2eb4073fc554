using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Reports;
using Governance.Jobs.Reports;
using Governance.Tests.Support;
using Npgsql;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Governance.Web.Tests.Reports;

/// <summary>The records of processing read back from the PDF, against the shipped data map (policies/datamap/chat.yaml) and regulations.</summary>
public sealed class RecordsOfProcessingReportTests() : ReportDatabaseTests("ropa")
{

    private static readonly ResolvedStore[] Stores =
        [new("eu", "eu", "Host=x", "/tmp/eu"), new("us", "us", "Host=x", "/tmp/us"), new("cn", "cn", "Host=x", "/tmp/cn")];

    [Fact]
    public async Task Generate_ListsEveryCollectionWithItsCategoriesPurposeRecipientsAndRegions_AndSaysWhatIsNotRecorded()
    {
        var generated = await Generator(Stores).GenerateAsync(
            new ReportRequest(ReportKinds.Ropa, new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 31), "en"), AuditActor.System("test"), CancellationToken.None);
        ReportLayoutTests.SavePicture(generated.Pdf, "ropa");
        using var pdf = PdfDocument.Open(generated.Pdf);
        var all = string.Join("\n", pdf.GetPages().Select(p => ContentOrderTextExtractor.GetText(p)));
        // Words joined by whitespace, and identifiers wrapped at their joints joined again.
        var flat = System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Replace(all, @"\s+", " "), @"(?<=[_/-]) ", "");

        // From chat.yaml, read by a person: devices hold device, credentials and metadata fields and go to a push
        // service; messages are kept with their bodies replaced; the map covers eu, us and cn.
        Assert.Contains("devices", flat, StringComparison.Ordinal);
        Assert.Contains("credentials", flat, StringComparison.Ordinal);
        Assert.Contains("push notification service", flat, StringComparison.Ordinal);
        Assert.Contains("Deliver and keep the messages people exchange.", flat, StringComparison.Ordinal);
        Assert.Contains("AI model provider", flat, StringComparison.Ordinal);
        Assert.Contains("eu (eu), us (us), cn (cn)", flat, StringComparison.Ordinal);
        foreach (var collection in new[] { "tenants", "users", "sessions", "contacts", "conversations", "conversation_members", "attachments", "reactions", "read_receipts", "calls", "call_participants", "ai_interactions" })
        {
            Assert.Contains(collection, flat, StringComparison.Ordinal);
        }

        // What the policy files do not hold is said, not invented.
        Assert.Contains("no retention rule is in force yet", flat, StringComparison.Ordinal);
        Assert.Contains("Transfers between regions are not recorded in the policy files yet", flat, StringComparison.Ordinal);
        // The clocks of regulations.yaml.
        // The clocks of regulations.yaml, each with the source of its period and its working calendar (cells may wrap: words apart).
        foreach (var expected in new[] { "Europe/Brussels", "America/Los_Angeles", "Asia/Shanghai", "1182/71", "7021(b)", "35273-2020" })
        {
            Assert.Contains(expected, flat, StringComparison.Ordinal);
        }
        // As of now, whatever period was asked for.
        Assert.Null(generated.Report.PeriodFrom);
    }

    [Fact]
    public async Task Generate_InChinese_RoundTrips()
    {
        var generated = await Generator(Stores).GenerateAsync(
            new ReportRequest(ReportKinds.Ropa, null, null, "zh"), AuditActor.System("test"), CancellationToken.None);
        using var pdf = PdfDocument.Open(generated.Pdf);
        var all = string.Join("\n", pdf.GetPages().Select(p => ContentOrderTextExtractor.GetText(p)));

        Assert.Contains("处理活动记录（GDPR 第 30 条）", all, StringComparison.Ordinal);
        Assert.Contains("1 个月", all, StringComparison.Ordinal);
    }
}
