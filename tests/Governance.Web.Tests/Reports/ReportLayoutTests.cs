using System.Diagnostics;
using System.Globalization;
using Governance.Jobs.Reports;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Governance.Web.Tests.Reports;

/// <summary>The report layer, read back from the PDF it writes (PdfPig): pages, text, fonts, bytes.</summary>
public sealed class ReportLayoutTests
{
    private static readonly DateTimeOffset Clock = new(2026, 11, 30, 9, 15, 0, TimeSpan.Zero);

    private static readonly TableColumn[] Columns = [new("Position", 0.7, AlignRight: true), new("Entry", 2.5), new("Outcome", 1)];

    private static ReportDocument Sample(int rows, DateTimeOffset? at = null, ReportText? text = null) =>
        Report.Titled("Audit log extract", "rpt-test-1", at ?? Clock, "auditor.ann")
            .In(text ?? ReportText.English)
            .Period("2026-11-01 – 2026-11-30")
            .CoverFact("Entries", rows.ToString(CultureInfo.InvariantCulture))
            .Heading("Entries")
            .Paragraph("Every entry of the period, oldest first.")
            .Table(Columns, Enumerable.Range(1, rows).Select(i => (IReadOnlyList<string>)
                [i.ToString(CultureInfo.InvariantCulture), $"row-{i:D4} " + (i % 9 == 0 ? "a longer entry that has to wrap onto a second line inside its own column of the table" : "short"), i % 4 == 0 ? "denied" : "success"]))
            .Chart(ChartKind.Bar, "Entries per outcome", [("success", rows - (rows / 4)), ("denied", rows / 4)])
            .Build();

    private static string[] PageTexts(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return document.GetPages().Select(p => ContentOrderTextExtractor.GetText(p)).ToArray();
    }

    /// <summary>
    /// The PDF and its first pages as PNG, to look at (poppler's pdftoppm, where installed): in GOV_TEST_ARTIFACTS
    /// (./test.sh keeps them in TestResults/artifacts/reports), else beside the test's other files.
    /// </summary>
    internal static void SavePicture(byte[] pdf, string name)
    {
        var folder = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_ARTIFACTS") ?? Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "reports");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, name + ".pdf");
        File.WriteAllBytes(file, pdf);
        if (File.Exists("/usr/bin/pdftoppm"))
        {
            using var process = Process.Start("/usr/bin/pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "2", file, Path.Combine(folder, name)]);
            process.WaitForExit(30_000);
        }
    }

    [Fact]
    public void Render_SameDocumentAndClock_IsByteIdentical_AnotherClockIsNot()
    {
        var first = ReportRenderer.Render(Sample(120));
        var second = ReportRenderer.Render(Sample(120));
        var later = ReportRenderer.Render(Sample(120, Clock.AddMinutes(1)));

        Assert.Equal(first.Pdf, second.Pdf);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(first.Pdf)), first.Sha256);
        Assert.NotEqual(first.Sha256, later.Sha256);
    }

    [Fact]
    public void Render_TableAcrossPages_RepeatsItsHeader_KeepsEveryRowWholeOnOnePage_AndCountsPagesRight()
    {
        const int Rows = 300;
        var rendered = ReportRenderer.Render(Sample(Rows));
        SavePicture(rendered.Pdf, "layout-table");
        var pages = PageTexts(rendered.Pdf);

        Assert.Equal(pages.Length, rendered.Pages);
        Assert.True(pages.Length >= 6, $"{pages.Length} pages");
        for (var p = 0; p < pages.Length; p++)
        {
            Assert.Contains($"Page {p + 1} of {pages.Length}", pages[p], StringComparison.Ordinal);
            Assert.Contains("Audit log extract", pages[p], StringComparison.Ordinal);
            Assert.Contains("rpt-test-1", pages[p], StringComparison.Ordinal);
        }

        // Page 1 is the cover; every page the table reaches starts with its header row.
        var tablePages = pages.Skip(1).Where(t => t.Contains("row-", StringComparison.Ordinal)).ToList();
        Assert.True(tablePages.Count >= 5);
        Assert.All(tablePages, t => Assert.Contains("Position", t, StringComparison.Ordinal));
        // Each row on exactly one page, with its wrapped text whole on that page.
        for (var i = 1; i <= Rows; i++)
        {
            var key = $"row-{i:D4}";
            var holding = pages.Where(t => t.Contains(key, StringComparison.Ordinal)).ToList();
            Assert.True(holding.Count == 1, $"{key} on {holding.Count} pages");
            if (i % 9 == 0)
            {
                // Wrapped onto several lines of the same row, on the same page: its first and last words are there.
                var row = holding[0][holding[0].IndexOf(key, StringComparison.Ordinal)..];
                Assert.Matches(@"^row-\d{4} a longer entry[\s\S]*table", row);
            }
        }
    }

    [Fact]
    public void Render_ChineseAndLatinTogether_RoundTrip_EachDrawnWithAFaceThatHasItsGlyphs()
    {
        var document = Report.Titled("数据主体请求登记册", "rpt-zh-1", Clock, "审计员")
            .In(ReportText.Chinese)
            .Period("2026年11月")
            .Paragraph("访问请求 42 件，删除请求 7 件 (GDPR Art. 15, CCPA §1798.105)。")
            .Table([new TableColumn("类型", 1), new TableColumn("Received 收到", 1, AlignRight: true)], [["删除 erasure", "7"], ["访问 access", "42"]])
            .Build();

        var rendered = ReportRenderer.Render(document);
        SavePicture(rendered.Pdf, "layout-zh");

        using var pdf = PdfDocument.Open(rendered.Pdf);
        var page = pdf.GetPage(1);
        var text = ContentOrderTextExtractor.GetText(page);
        Assert.Contains("访问请求 42 件，删除请求 7 件", text, StringComparison.Ordinal);
        Assert.Contains("GDPR Art. 15", text, StringComparison.Ordinal);
        Assert.Contains("第 1 页，共 1 页", text, StringComparison.Ordinal);
        Assert.Contains("数据主体请求登记册", text, StringComparison.Ordinal);
        var chinese = page.Letters.First(l => l.Value == "访").FontName;
        var latin = page.Letters.First(l => l.Value == "G").FontName;
        Assert.NotEqual(chinese, latin);
        Assert.DoesNotContain(page.Letters, l => l.Value is "\uFFFD" or "□");
    }

    [Fact]
    public void Render_Charts_DrawTheirValuesAndLabels()
    {
        var document = Report.Titled("Requests per month", "rpt-chart-1", Clock, "officer")
            .Chart(ChartKind.Bar, "Requests received", [("2026-09", 12), ("2026-10", 30), ("2026-11", 7)])
            .Chart(ChartKind.Line, "Median days to respond", [("2026-09", 21), ("2026-10", 18), ("2026-11", 25)], "days")
            .Build();

        var text = PageTexts(ReportRenderer.Render(document).Pdf)[0];

        foreach (var expected in new[] { "Requests received", "Median days to respond", "2026-09", "2026-10", "2026-11", "30", "12", "days" })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Builder_ARowWithTheWrongNumberOfCells_IsRefusedNamingTheCount()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Report.Titled("x", "y", Clock, "z").Table(Columns, [["1", "only two"]]));

        Assert.Contains("3 cells", error.Message, StringComparison.Ordinal);
    }
}
