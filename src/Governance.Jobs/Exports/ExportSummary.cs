using System.Globalization;
using Governance.Core.DataMap;
using Governance.Core.Exports;
using Governance.Jobs.Reports;

namespace Governance.Jobs.Exports;

/// <summary>
/// The PDF summary inside an access package, in English and Simplified Chinese: per kind of data the person has, why it
/// is kept (the map's purpose), on which basis rows are kept, how long (no retention rule is in force yet: said so),
/// who else receives it, and how many rows the package holds; and how to complain to a supervisory authority.
/// </summary>
public sealed class ExportSummary(TimeProvider time) : IExportSummary
{
    public IReadOnlyList<(string Name, byte[] Pdf)> Render(DataMapDocument map, PackageWriter.Source source, IReadOnlyList<PackageEntry> entries) =>
        [("summary.pdf", Render(map, source, entries, ReportText.English)), ("summary.zh-CN.pdf", Render(map, source, entries, ReportText.Chinese))];

    private byte[] Render(DataMapDocument map, PackageWriter.Source source, IReadOnlyList<PackageEntry> entries, ReportText text)
    {
        var zh = text.Code == "zh";
        string L(string en, string cn) => zh ? cn : en;
        var now = time.GetUtcNow();
        var at = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero);
        var rows = entries.Where(e => e.Rows is not null && e.Name.EndsWith(".jsonl", StringComparison.Ordinal))
            .GroupBy(e => e.Collection!).ToDictionary(g => g.Key, g => g.Sum(e => e.Rows!.Value), StringComparer.Ordinal);
        var files = entries.Count(e => e.Name.StartsWith("files/", StringComparison.Ordinal));
        var report = Report.Titled(L("Your personal data: summary", "您的个人数据：摘要"), source.Reference, at, L("the governance console", "治理控制台"))
            .In(text)
            .CoverFact(L("Request", "请求"), source.Reference)
            .CoverFact(L("Where", "所在"), L($"the chat system's {source.Region} region (store {source.Store})", $"聊天系统的 {source.Region} 区域（存储 {source.Store}）"))
            .CoverFact(L("As of (UTC)", "截至（UTC）"), source.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))
            .CoverFact(L("Rows in this package", "本数据包中的行数"), rows.Values.Sum().ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Files in this package", "本数据包中的文件"), files.ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("How long it is kept", "保存期限"), L(
                "No retention period is in force yet: your data is kept until you ask for it to be erased.",
                "目前尚无生效的保存期限：您的数据将保存至您要求删除为止。"));

        report.Heading(L("What we hold about you, and why", "我们持有的关于您的数据及其原因"));
        report.Table(
            [
                new TableColumn(L("Kind of data", "数据类别"), 1.2),
                new TableColumn(L("Categories", "种类"), 1.4),
                new TableColumn(L("Why it is kept", "保存目的"), 2.4),
                new TableColumn(L("Who else receives it", "其他接收方"), 1.5),
                new TableColumn(L("Rows", "行数"), 0.7, AlignRight: true),
            ],
            map.Collections.Where(c => rows.GetValueOrDefault(c.Name) > 0).Select(c => (IReadOnlyList<string>)
            [
                c.Name,
                string.Join(", ", c.Fields.Select(f => NameStyle.Kebab(f.Category)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)) is { Length: > 0 } categories ? categories : L("metadata", "元数据"),
                c.Purpose ?? L("not recorded", "未记录"),
                c.Recipients.Count == 0 ? L("no one outside the chat system", "聊天系统以外无人") : string.Join(", ", c.Recipients),
                rows[c.Name].ToString("N0", CultureInfo.InvariantCulture),
            ]));

        report.Heading(L("Your rights, and how to complain", "您的权利以及如何投诉"));
        report.Paragraph(L(
            "You may ask for your data to be corrected or erased, for its use to be restricted, or object to it. If you are not satisfied with our answer, you may complain to a data protection supervisory authority, in particular in the country where you live or work or where you think your rights were infringed (GDPR Art. 77); in China, to the authorities that protect personal information (PIPL Art. 65).",
            "您可以要求更正或删除您的数据、限制其使用，或对其处理提出异议。如对我们的答复不满意，您可以向数据保护监管机构投诉，尤其是您居住或工作所在国、或您认为权利受到侵害所在地的监管机构（GDPR 第 77 条）；在中国，可向履行个人信息保护职责的部门投诉（《个人信息保护法》第 65 条）。"));
        return ReportRenderer.Render(report.Build()).Pdf;
    }
}
