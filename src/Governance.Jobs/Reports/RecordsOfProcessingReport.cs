using System.Globalization;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Requests;

namespace Governance.Jobs.Reports;

/// <summary>
/// Records of processing (GDPR Art. 30(1)) drawn from the data maps and the policy files: for each chat store and
/// collection, the categories of personal data, the purpose, the legal basis, the recipients, what erasure does, the
/// retention rule, and the regions where the data is stored; the stores' regions and the transfers between them;
/// the regulations whose clocks apply. Whatever the policy files do not record is said to be not recorded.
/// </summary>
public static class RecordsOfProcessingReport
{
    public static ReportDocument Build(DataMapSet maps, IReadOnlyList<ResolvedStore> stores, IReadOnlyList<Regime> regimes, ReportRequest request, string identifier, DateTimeOffset at, string by)
    {
        if (!maps.Valid)
        {
            throw new InvalidOperationException($"The data maps have {maps.Problems.Count} problems ('./gov policies validate'): records of processing are drawn from valid maps only.");
        }

        var zh = request.Language == "zh";
        string L(string en, string cn) => zh ? cn : en;
        var text = ReportText.For(request.Language);
        var notRecorded = L("not recorded in the policy files", "政策文件中未记录");
        var report = Report.Titled(L("Records of processing (GDPR Art. 30)", "处理活动记录（GDPR 第 30 条）"), identifier, at, by)
            .In(text)
            .Period(L("as of ", "截至 ") + at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .CoverFact(L("As of", "截至"), $"{at:yyyy-MM-dd HH:mm} UTC")
            .CoverFact(L("Drawn from", "来源"), L("the data maps (policies/datamap) and the regulations (policies/regulations.yaml) in force", "现行数据地图（policies/datamap）与法规文件（policies/regulations.yaml）"))
            .CoverFact(L("Data maps", "数据地图"), string.Join(", ", maps.Maps.Select(m => m.Name)))
            .CoverFact(L("Chat stores and regions", "聊天存储与区域"), string.Join(", ", stores.Select(s => $"{s.Name} ({s.Region})")))
            .CoverFact(L("Categories of data subjects", "数据主体类别"), L("people who use the chat system (staff of the customer organisations) and the people they write about",
                "使用聊天系统的人员（客户组织的员工）及其提及的人员"))
            .CoverFact(L("Retention", "保留期限"), L("no retention rule is in force yet: rows are kept until erased on request", "尚无生效的保留规则：数据保留至应请求删除"));

        foreach (var map in maps.Maps)
        {
            var mapStores = stores.Where(s => map.Stores.Contains(s.Name)).ToList();
            report.Heading(L($"Data map '{map.Name}'", $"数据地图“{map.Name}”"));
            if (map.Description is { } description)
            {
                report.Paragraph(description);
            }

            report.KeyValues(
                (L("Stores", "存储"), mapStores.Count == 0 ? L("none configured here", "此处未配置") : string.Join(", ", mapStores.Select(s => $"{s.Name} ({s.Region})"))),
                (L("Regions where stored", "存储区域"), string.Join(", ", mapStores.Select(s => s.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))),
                (L("Identities the person is found by", "识别个人的标识"), string.Join(", ", map.Identities.Select(i => $"{NameStyle.Kebab(i.Kind)} ({i.Collection}.{i.Column})").Distinct(StringComparer.Ordinal))));
            report.Table(
                [
                    new TableColumn(L("Collection", "集合"), 1.2), new TableColumn(L("Categories of personal data", "个人数据类别"), 1.5),
                    new TableColumn(L("Purpose", "目的"), 2.1), new TableColumn(L("Legal basis", "法律依据"), 2.1),
                    new TableColumn(L("Recipients", "接收方"), 1.3), new TableColumn(L("On erasure", "删除时"), 1.1),
                ],
                map.Collections.Select(c => (IReadOnlyList<string>)
                [
                    c.Table == c.Name ? c.Name : $"{c.Name} ({c.Table})",
                    Categories(c) is { Length: > 0 } categories ? categories : L("identifiers only", "仅标识符"),
                    c.Purpose ?? notRecorded,
                    BasisOf(c) ?? notRecorded,
                    c.Recipients.Count == 0 ? L("none outside the chat system", "聊天系统之外无") : string.Join(", ", c.Recipients),
                    c.RowErasure == RowErasure.Delete ? L("rows deleted", "删除行") : L("rows kept, personal fields erased", "保留行，删除个人字段"),
                ]));
        }

        report.Heading(L("Transfers between regions", "跨区域传输"));
        report.Paragraph(L(
            $"Each store keeps its data in its own region ({string.Join(", ", stores.Select(s => s.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))}). Transfers between regions are not recorded in the policy files yet: the residency rules that will record and check them are not built yet.",
            $"每个存储在其所在区域保存数据（{string.Join("、", stores.Select(s => s.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))}）。政策文件尚未记录跨区域传输：记录和检查传输的驻留规则尚未建立。"));

        report.Heading(L("Regulations and their clocks", "适用法规及其时限"));
        report.Table(
            [
                new TableColumn(L("Regulation", "法规"), 1.8), new TableColumn(L("Answer within", "答复期限"), 1.1), new TableColumn(L("Source of the period", "期限依据"), 2.4),
                new TableColumn(L("Extension", "延期"), 1), new TableColumn(L("Working days", "工作日历"), 1.3), new TableColumn(L("Time zone", "时区"), 1.4),
            ],
            regimes.Select(r => (IReadOnlyList<string>)[r.Name, Span(r.Answer, zh), r.PeriodSource ?? "–", r.Extension is { } e ? Span(e, zh) : "–",
                r.Calendar.WeekendsOnly ? L("weekends only", "仅周末") : r.Calendar.Name, r.TimeZone.Id]));
        return report.Build();
    }

    private static string Span(Period p, bool zh) => zh
        ? p.Months > 0 ? $"{p.Months} 个月" : p.BusinessDays > 0 ? $"{p.BusinessDays} 个工作日" : $"{p.Days} 天"
        : p.ToString();

    /// <summary>The categories of the collection's personal fields, in the order of <see cref="FieldCategory"/>.</summary>
    private static string Categories(Collection c) =>
        string.Join(", ", c.Fields.Select(f => f.Category).Distinct().Order().Select(category => NameStyle.Kebab(category)));

    /// <summary>The collection's stated basis, and the bases of the fields it keeps on erasure.</summary>
    private static string? BasisOf(Collection c)
    {
        var bases = new List<string>();
        if (c.LegalBasis is { } own)
        {
            bases.Add(own);
        }

        bases.AddRange(c.Fields.Where(f => f.Erasure == FieldErasure.Keep && f.LegalBasis is not null).Select(f => $"{f.Column}: {f.LegalBasis}"));
        return bases.Count == 0 ? null : string.Join(" ", bases.Distinct(StringComparer.Ordinal));
    }
}
