using System.Globalization;
using Dapper;
using Governance.Core.Database;

namespace Governance.Jobs.Reports;

/// <summary>
/// The data-subject request register and its metrics for a period (requests received in it): per type, received,
/// complied with (in whole or in part), denied by legal basis, withdrawn, still open, extended, late, and the median
/// and mean days to respond; the table CCPA regulations § 7102(a) asks a business to publish; requests per month and
/// days to respond as charts; and the register itself.
/// </summary>
public static class RequestRegisterReport
{
    /// <summary>One request as the register needs it. <paramref name="ClosedOn"/> is the UTC day of its final transition.</summary>
    public sealed record Row(string Reference, string Regime, string Type, string State, DateOnly ReceivedOn, DateOnly DueOn, DateOnly? ExtendedDueOn, string? LegalBasis, DateOnly? ClosedOn,
        string Channel = "", string? DenialReason = null)
    {
        /// <summary>Complied with: completed, or a restriction applied, or an objection upheld.</summary>
        public bool Completed => State is "Completed" or "Restricted" or "ObjectionUpheld";

        public bool Denied => State == "Denied";

        public bool Responded => Completed || Denied;

        public int? Days => Responded && ClosedOn is { } c ? c.DayNumber - ReceivedOn.DayNumber : null;

        public DateOnly Due => ExtendedDueOn ?? DueOn;

        /// <summary>Answered after its (extended) due date, or still open past it on <paramref name="asOf"/>.</summary>
        public bool Late(DateOnly asOf) => ClosedOn is { } c ? c > Due : !IsFinal && asOf > Due;

        public bool IsFinal => State is "Completed" or "Denied" or "Withdrawn" or "Duplicate" or "Restricted" or "ObjectionUpheld";

        /// <summary>The ground of § 7102(a)(2) a denial falls under: not verifiable, not made by a consumer, exempt, or other grounds.</summary>
        public string? CcpaGround => !Denied ? null : DenialReason switch
        {
            "unverifiable" => "unverifiable",
            "not-a-subject" => "not-a-consumer",
            "exemption" => "exempt",
            _ => "other",
        };
    }

    /// <summary>The CCPA categories of § 7102(a)(1), and the request types that fall in each.</summary>
    public static readonly IReadOnlyList<(string En, string Zh, string[] Types)> CcpaCategories =
    [
        ("Requests to know", "知情请求", ["access", "portability"]),
        ("Requests to delete", "删除请求", ["erasure"]),
        ("Requests to correct", "更正请求", ["rectification"]),
        ("Requests to opt out of sale or sharing", "选择退出出售或共享", ["opt-out"]),
        ("Requests to limit use of sensitive information", "限制使用敏感信息", ["limit-sensitive"]),
    ];

    public static async Task<IReadOnlyList<Row>> LoadAsync(GovernanceDatabase database, DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string, string, string, string, DateTime, DateTime, DateTime?, string?, DateTime?, string, string?)>(new CommandDefinition("""
            select r.reference, r.regime, r.type, r.state, r.received_on, r.due_on, r.extended_due_on, r.legal_basis,
                   (select max(e.occurred_at at time zone 'UTC')::date from gov.request_events e
                    where e.request_id = r.id and e.to_state in ('Completed', 'Denied', 'Withdrawn', 'Duplicate', 'Restricted', 'ObjectionUpheld')),
                   r.channel, r.denial_reason
            from gov.requests r
            where (@from::date is null or r.received_on >= @from::date) and (@to::date is null or r.received_on <= @to::date)
            order by r.received_on, r.reference
            """, new { from = from?.ToDateTime(TimeOnly.MinValue), to = to?.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
        return rows.Select(r => new Row(r.Item1, r.Item2, r.Item3, r.Item4, DateOnly.FromDateTime(r.Item5), DateOnly.FromDateTime(r.Item6),
            r.Item7 is { } e ? DateOnly.FromDateTime(e) : null, r.Item8, r.Item9 is { } c ? DateOnly.FromDateTime(c) : null, r.Item10, r.Item11)).ToList();
    }

    /// <summary>A listed refusal reason in the report's language; an empty code is a denial recorded before reasons were listed.</summary>
    private static string ReasonWords(string code, bool zh) => (code, zh) switch
    {
        ("", false) => "(no listed reason: recorded before reasons were listed)",
        ("", true) => "（无列明理由：在列明理由之前记录）",
        ("unverifiable", false) => "Identity could not be verified",
        ("unverifiable", true) => "无法核实身份",
        ("not-a-subject", false) => "Not a data subject or consumer",
        ("not-a-subject", true) => "并非数据主体或消费者",
        ("exemption", false) => "An exemption applies",
        ("exemption", true) => "适用豁免",
        ("manifestly-unfounded", false) => "Manifestly unfounded",
        ("manifestly-unfounded", true) => "明显无根据",
        ("excessive", false) => "Excessive",
        ("excessive", true) => "过度",
        ("repeat-limit", false) => "Third request to know in 12 months",
        ("repeat-limit", true) => "12 个月内第三次知情请求",
        ("other", false) => "Other",
        ("other", true) => "其他",
        _ => code,
    };

    /// <summary>The median of whole days (the mean of the middle two for an even count), or null without any.</summary>
    public static double? Median(IReadOnlyList<int> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    public static ReportDocument Build(IReadOnlyList<Row> rows, ReportRequest request, string identifier, DateTimeOffset at, string by)
    {
        var zh = request.Language == "zh";
        string L(string en, string cn) => zh ? cn : en;
        static string N(double? value) => value is null ? "–" : value.Value.ToString(value.Value == Math.Floor(value.Value) ? "N0" : "N1", CultureInfo.InvariantCulture);
        var text = ReportText.For(request.Language);
        var asOf = request.To is { } end && end < DateOnly.FromDateTime(at.UtcDateTime) ? end : DateOnly.FromDateTime(at.UtcDateTime);
        var responded = rows.Where(r => r.Days is not null).ToList();

        var report = Report.Titled(L("Data-subject request register and metrics", "数据主体请求登记册与指标"), identifier, at, by)
            .In(text)
            .Period(request.PeriodText(text))
            .CoverFact(L("Period (requests received, UTC days)", "期间（收到请求，UTC 日）"), request.PeriodText(text))
            .CoverFact(L("Requests received", "收到的请求"), rows.Count.ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Complied with (in whole or in part)", "已履行（全部或部分）"), rows.Count(r => r.Completed).ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Denied", "已拒绝"), rows.Count(r => r.Denied).ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Still open", "仍未结"), rows.Count(r => !r.IsFinal).ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Closed as duplicates of another request", "作为其他请求的重复请求关闭"), rows.Count(r => r.State == "Duplicate").ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Median / mean days to respond", "答复天数中位数 / 平均数"), $"{N(Median(responded.Select(r => r.Days!.Value).ToList()))} / {N(responded.Count == 0 ? null : responded.Average(r => r.Days!.Value))}")
            .CoverFact(L("Late (answered after, or open past, the due date)", "逾期（晚于截止日答复或超期未结）"), rows.Count(r => r.Late(asOf)).ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("How the figures are counted", "统计口径"), L(
                $"Requests received in the period; days to respond are calendar days from receipt to completion or denial; late as of {asOf:yyyy-MM-dd}.",
                $"期间内收到的请求；答复天数为自收到至完成或拒绝的日历天数；逾期以 {asOf:yyyy-MM-dd} 为准。"));

        report.Heading(L("By type of request", "按请求类型"));
        var types = rows.Select(r => r.Type).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        report.Table(
            [
                new TableColumn(L("Type", "类型"), 1.2), new TableColumn(L("Received", "收到"), 0.95, true), new TableColumn(L("Complied", "已履行"), 0.95, true),
                new TableColumn(L("Denied", "拒绝"), 0.8, true), new TableColumn(L("Withdrawn", "撤回"), 1.1, true), new TableColumn(L("Open", "未结"), 0.65, true),
                new TableColumn(L("Extended", "延期"), 1.0, true), new TableColumn(L("Late", "逾期"), 0.6, true),
                new TableColumn(L("Median days", "中位天数"), 0.85, true), new TableColumn(L("Mean days", "平均天数"), 0.8, true),
            ],
            types.Select(type =>
            {
                var of = rows.Where(r => r.Type == type).ToList();
                var days = of.Where(r => r.Days is not null).Select(r => r.Days!.Value).ToList();
                return (IReadOnlyList<string>)
                [
                    type, N(of.Count), N(of.Count(r => r.Completed)), N(of.Count(r => r.Denied)), N(of.Count(r => r.State == "Withdrawn")),
                    N(of.Count(r => !r.IsFinal)), N(of.Count(r => r.ExtendedDueOn is not null)), N(of.Count(r => r.Late(asOf))),
                    N(Median(days)), N(days.Count == 0 ? null : days.Average()),
                ];
            }));

        report.Heading(L("Denials by legal basis", "按法律依据的拒绝"));
        var denials = rows.Where(r => r.Denied).GroupBy(r => r.LegalBasis ?? L("(none stated)", "（未说明）"), StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (denials.Count == 0)
        {
            report.Paragraph(L("No request received in the period was denied.", "期间内收到的请求无一被拒绝。"));
        }
        else
        {
            report.Table([new TableColumn(L("Legal basis", "法律依据"), 4), new TableColumn(L("Denied", "拒绝"), 1, true)],
                denials.Select(g => (IReadOnlyList<string>)[g.Key, N(g.Count())]));
        }

        if (denials.Count > 0)
        {
            report.Heading(L("Denials by listed reason", "按列明理由的拒绝"));
            report.Table([new TableColumn(L("Reason", "理由"), 4), new TableColumn(L("Denied", "拒绝"), 1, true)],
                rows.Where(r => r.Denied).GroupBy(r => r.DenialReason ?? "").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => (IReadOnlyList<string>)[ReasonWords(g.Key, zh), N(g.Count())]));
        }

        report.Heading(L("CCPA metrics (Cal. Code Regs. tit. 11, § 7102)", "CCPA 指标（加州法规第 11 编 § 7102）"));
        var ccpa = rows.Where(r => r.Regime == "ccpa").ToList();
        report.Table(
            [
                new TableColumn(L("Category", "类别"), 2.6), new TableColumn(L("Received", "收到"), 0.9, true),
                new TableColumn(L("Complied with in whole or in part", "全部或部分履行"), 1.3, true), new TableColumn(L("Denied", "拒绝"), 0.8, true),
                new TableColumn(L("Median days", "中位天数"), 0.9, true), new TableColumn(L("Mean days", "平均天数"), 0.9, true),
            ],
            CcpaCategories.Select(category =>
            {
                var of = ccpa.Where(r => category.Types.Contains(r.Type)).ToList();
                var days = of.Where(r => r.Days is not null).Select(r => r.Days!.Value).ToList();
                return (IReadOnlyList<string>)
                [
                    zh ? category.Zh : category.En, N(of.Count), N(of.Count(r => r.Completed)), N(of.Count(r => r.Denied)),
                    N(Median(days)), N(days.Count == 0 ? null : days.Average()),
                ];
            }));

        report.Paragraph(L("Denials in whole or in part by ground, as § 7102(a)(2) lets a business disclose them:", "按 § 7102(a)(2) 允许企业披露的理由分列的全部或部分拒绝："), size: 9);
        report.Table(
            [
                new TableColumn(L("Category", "类别"), 2.6), new TableColumn(L("Not verifiable", "无法核实"), 1, true), new TableColumn(L("Not made by a consumer", "非消费者提出"), 1.1, true),
                new TableColumn(L("Exempt from disclosure", "豁免披露"), 1.1, true), new TableColumn(L("Other grounds", "其他理由"), 1, true),
            ],
            CcpaCategories.Select(category =>
            {
                var of = ccpa.Where(r => category.Types.Contains(r.Type) && r.Denied).ToList();
                return (IReadOnlyList<string>)
                [
                    zh ? category.Zh : category.En, N(of.Count(r => r.CcpaGround == "unverifiable")), N(of.Count(r => r.CcpaGround == "not-a-consumer")),
                    N(of.Count(r => r.CcpaGround == "exempt")), N(of.Count(r => r.CcpaGround == "other")),
                ];
            }));

        var months = rows.GroupBy(r => r.ReceivedOn.ToString("yyyy-MM", CultureInfo.InvariantCulture)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (months.Count > 0)
        {
            report.Chart(ChartKind.Bar, L("Requests received per month", "每月收到的请求"), months.Select(g => (g.Key, (double)g.Count())));
            var answered = months.Where(g => g.Any(r => r.Days is not null)).ToList();
            if (answered.Count > 0)
            {
                report.Chart(ChartKind.Line, L("Median days to respond, by month received", "按收到月份的答复天数中位数"),
                    answered.Select(g => (g.Key, Median(g.Where(r => r.Days is not null).Select(r => r.Days!.Value).ToList())!.Value)), L("days", "天"));
            }
        }

        report.PageBreak().Heading(L("Register", "登记册"));
        report.Table(
            [
                new TableColumn(L("Reference", "编号"), 1.3), new TableColumn(L("Regime", "法规"), 0.7), new TableColumn(L("Type", "类型"), 1.05),
                new TableColumn(L("Manner", "方式"), 0.75), new TableColumn(L("Received", "收到"), 1), new TableColumn(L("Due", "截止"), 1), new TableColumn(L("Response", "答复"), 1),
                new TableColumn(L("Closed", "结案"), 1), new TableColumn(L("Days", "天数"), 0.55, true), new TableColumn(L("Basis of a denial", "拒绝依据"), 1.8),
            ],
            rows.Select(r => (IReadOnlyList<string>)
            [
                r.Reference, r.Regime, r.Type, r.Channel, r.ReceivedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.Due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (r.ExtendedDueOn is null ? "" : " *"),
                r.State, r.ClosedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "", r.Days?.ToString(CultureInfo.InvariantCulture) ?? "",
                r.Denied ? (r.DenialReason is { } reason ? $"{ReasonWords(reason, zh)}: " : "") + (r.LegalBasis ?? "") : "",
            ]));
        report.Paragraph(L("* extended once, as the law allows. The register holds what 11 CCR § 7101(a) asks to keep of each request: its date, nature and manner, and the date, nature and basis of the response.",
            "* 已依法延期一次。登记册载有 11 CCR § 7101(a) 要求保存的每项请求记录：日期、性质和方式，以及答复的日期、性质和依据。"), size: 8);
        return report.Build();
    }
}
