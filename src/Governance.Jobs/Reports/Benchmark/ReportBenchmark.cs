using System.Diagnostics;
using System.Globalization;

namespace Governance.Jobs.Reports.Benchmark;

/// <summary>
/// <c>./gov bench report</c>: renders an audit-extract-shaped report of about the pages asked for (a table of
/// synthetic entries, wrapped cells, Chinese in some of them), after a baseline a tenth of its size in the same
/// process, and prints time per page against that baseline, the peak resident memory, and as its last line
/// <c>pages=… seconds=… peak_rss_mb=…</c>.
/// </summary>
public static class ReportBenchmark
{
    /// <summary>A first guess of the rows on a page; the baseline measures the real figure and the full run uses it.</summary>
    private const double FirstGuessRowsPerPage = 30;

    public static void Run(int pages, TextWriter output)
    {
        if (pages is < 10 or > 20_000)
        {
            throw new ArgumentException("--pages must be between 10 and 20000.");
        }

        _ = Render((int)(5 * FirstGuessRowsPerPage)); // fonts loaded and code warmed before anything is timed
        var baselineRows = (int)(Math.Max(10, pages / 10) * FirstGuessRowsPerPage);
        var (baselinePages, baselineSeconds) = Render(baselineRows);
        var (fullPages, fullSeconds) = Render((int)Math.Round(pages * (double)baselineRows / baselinePages));
        var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        var perPageBaseline = baselineSeconds / baselinePages;
        var perPage = fullSeconds / fullPages;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"baseline: {baselinePages} pages in {baselineSeconds:F2} s ({perPageBaseline * 1000:F1} ms per page)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report:   {fullPages} pages in {fullSeconds:F2} s ({perPage * 1000:F1} ms per page, {perPage / perPageBaseline:F2}x the baseline's time per page)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"goals: under 30 s ({fullSeconds / 30:P0} of it) and under 300 MB peak ({peakMb / 300:P0} of it)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pages={fullPages} seconds={fullSeconds:F2} peak_rss_mb={peakMb:F0} per_page_ratio={perPage / perPageBaseline:F2}"));
    }

    private static (int Pages, double Seconds) Render(int count)
    {
        var clock = Stopwatch.StartNew();
        var rows = Enumerable.Range(1, count).Select(i => (IReadOnlyList<string>)
        [
            i.ToString(CultureInfo.InvariantCulture),
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i * 7).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            $"local:{i % 97}",
            i % 5 == 0 ? "request.transition" : "person.search",
            i % 11 == 0 ? "请求 审核 已批准" : $"req-{i:D6}",
            i % 13 == 0 ? "denied" : "success",
            Convert.ToHexStringLower(BitConverter.GetBytes((long)i * 2654435761L)) + "…",
        ]).ToList();
        var document = Report.Titled("Audit log extract (benchmark)", "bench-" + count, new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), "bench")
            .Period("2026-01-01 – 2026-12-31")
            .CoverFact("Entries", rows.Count.ToString("N0", CultureInfo.InvariantCulture))
            .Heading("Entries")
            .Table(
            [
                new TableColumn("Position", 0.8, AlignRight: true), new TableColumn("Time (UTC)", 1.6), new TableColumn("Actor", 1.1),
                new TableColumn("Action", 1.5), new TableColumn("Target", 1.3), new TableColumn("Outcome", 0.9), new TableColumn("Hash", 1.6),
            ], rows)
            .Build();
        var rendered = ReportRenderer.Render(document);
        return (rendered.Pages, clock.Elapsed.TotalSeconds);
    }
}
