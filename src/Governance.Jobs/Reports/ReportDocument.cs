namespace Governance.Jobs.Reports;

/// <summary>One block of a report's body, laid out top to bottom.</summary>
public abstract record ReportBlock;

public sealed record HeadingBlock(string Text, int Level) : ReportBlock;

public sealed record ParagraphBlock(string Text, bool Bold, double Size) : ReportBlock;

public sealed record KeyValueBlock(IReadOnlyList<(string Key, string Value)> Items) : ReportBlock;

/// <param name="Weight">Share of the page width (weights are normalised over the table's columns).</param>
public sealed record TableColumn(string Header, double Weight, bool AlignRight = false);

/// <summary>A table: its header row repeats on every page it spans, rows alternate shading, a row is never split mid-line.</summary>
public sealed record TableBlock(IReadOnlyList<TableColumn> Columns, IReadOnlyList<IReadOnlyList<string>> Rows) : ReportBlock;

public enum ChartKind
{
    Bar,
    Line,
}

/// <summary>A vector chart drawn from data: bars or a line over labelled points.</summary>
public sealed record ChartBlock(ChartKind Kind, string Title, IReadOnlyList<(string Label, double Value)> Points, string? Unit) : ReportBlock;

public sealed record PageBreakBlock : ReportBlock;

/// <summary>
/// A report as data: what it says, not where it goes on the page (the renderer measures, wraps and breaks pages).
/// The header of every page names the title and the period; the footer when and by whom it was generated, the
/// document's identifier and "Page X of Y".
/// </summary>
public sealed record ReportDocument(
    string Title,
    string Identifier,
    string? Period,
    DateTimeOffset GeneratedAt,
    string GeneratedBy,
    ReportText Text,
    IReadOnlyList<(string Key, string Value)> Cover,
    IReadOnlyList<ReportBlock> Blocks);

/// <summary>A fluent way to describe a report: <c>Report.Titled(...).Heading(...).Table(...).Build()</c>.</summary>
public sealed class Report
{
    private readonly List<ReportBlock> _blocks = [];
    private readonly List<(string, string)> _cover = [];
    private readonly string _title;
    private readonly string _identifier;
    private readonly DateTimeOffset _at;
    private readonly string _by;
    private string? _period;
    private ReportText _text = ReportText.English;

    private Report(string title, string identifier, DateTimeOffset at, string by)
    {
        _title = title;
        _identifier = identifier;
        _at = at;
        _by = by;
    }

    public static Report Titled(string title, string identifier, DateTimeOffset generatedAt, string generatedBy) => new(title, identifier, generatedAt, generatedBy);

    public Report Period(string period)
    {
        _period = period;
        return this;
    }

    public Report In(ReportText text)
    {
        _text = text;
        return this;
    }

    /// <summary>A cover page: the title, then these facts (scope, period, source, verification ...).</summary>
    public Report CoverFact(string key, string value)
    {
        _cover.Add((key, value));
        return this;
    }

    public Report Heading(string text, int level = 1) => Add(new HeadingBlock(text, level));

    public Report Paragraph(string text, bool bold = false, double size = 10) => Add(new ParagraphBlock(text, bold, size));

    public Report KeyValues(params (string Key, string Value)[] items) => Add(new KeyValueBlock(items));

    public Report Table(IReadOnlyList<TableColumn> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var list = rows.ToList();
        if (list.Any(r => r.Count != columns.Count))
        {
            throw new ArgumentException($"Every row of a table must have {columns.Count} cells.", nameof(rows));
        }

        return Add(new TableBlock(columns, list));
    }

    public Report Chart(ChartKind kind, string title, IEnumerable<(string Label, double Value)> points, string? unit = null) =>
        Add(new ChartBlock(kind, title, points.ToList(), unit));

    public Report PageBreak() => Add(new PageBreakBlock());

    public ReportDocument Build() => new(_title, _identifier, _period, _at, _by, _text, _cover, _blocks.ToList());

    private Report Add(ReportBlock block)
    {
        _blocks.Add(block);
        return this;
    }
}

/// <summary>The words every report's frame uses, per language.</summary>
public sealed record ReportText(string Code, string Generated, string By, string Document, string PeriodLabel)
{
    public static readonly ReportText English = new("en", "Generated", "by", "Document", "Period");

    public static readonly ReportText Chinese = new("zh", "生成于", "由", "文档", "期间");

    public static IReadOnlyList<ReportText> All { get; } = [English, Chinese];

    public string PageOf(int page, int pages) => Code == "zh" ? $"第 {page} 页，共 {pages} 页" : $"Page {page} of {pages}";

    public static ReportText For(string code) =>
        All.FirstOrDefault(t => t.Code == code)
        ?? throw new ArgumentException($"--lang must be one of {string.Join(", ", All.Select(t => t.Code))} (got '{code}').");
}
