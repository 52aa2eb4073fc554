using System.Globalization;
using Governance.Core.Retention;

namespace Governance.Jobs.Reports;

/// <summary>
/// The retention execution report for a period: the rules in force as the files state them today; every run asked for
/// in the period with what it removed, kept under hold and kept for held dependants, files removed and errors; totals per
/// rule; the exceptions (failed, rejected and waiting runs, rows kept by holds); and every approval with who decided,
/// when and why.
/// </summary>
public static class RetentionExecutionReport
{
    public static async Task<IReadOnlyList<RetentionRun>> LoadAsync(RetentionPurge purge, DateOnly? from, DateOnly? to, CancellationToken ct) =>
        (await purge.RunsAsync("(@from::timestamptz is null or created_at >= @from::timestamptz) and (@to::timestamptz is null or created_at < @to::timestamptz)",
            new { from = from?.ToDateTime(TimeOnly.MinValue), to = to?.AddDays(1).ToDateTime(TimeOnly.MinValue) }, ct))
        .OrderBy(r => r.CreatedAt).ToList();

    public static ReportDocument Build(RetentionPolicy policy, IReadOnlyList<RetentionRun> runs, IReadOnlyDictionary<string, string> names, ReportRequest request,
        string identifier, DateTimeOffset at, string by)
    {
        var zh = request.Language == "zh";
        string L(string en, string cn) => zh ? cn : en;
        static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
        string Name(string? id) => id is null ? "–" : names.TryGetValue(id, out var n) ? n : id.StartsWith("job:", StringComparison.Ordinal) ? L("the schedule", "计划任务") : id;
        string State(RetentionRun r) => r.State switch
        {
            "done" => L("done", "完成"),
            "failed" => L("failed", "失败"),
            "rejected" => L("rejected", "已拒绝"),
            "awaiting-approval" => L("waiting for approval", "等待批准"),
            "running" => L("running", "运行中"),
            _ => L("approved, not started", "已批准，未开始"),
        };
        var text = ReportText.For(request.Language);
        var done = runs.Where(r => r.State == "done").ToList();

        var report = Report.Titled(L("Retention execution report", "保留期限执行报告"), identifier, at, by)
            .In(text)
            .Period(request.PeriodText(text))
            .CoverFact(L("Period (runs asked for, UTC days)", "期间（发起的运行，UTC 日）"), request.PeriodText(text))
            .CoverFact(L("Rules in force", "现行规则"), policy.Valid ? N(policy.Rules.Count) : L($"none: the rule files do not validate ({policy.Problems.Count} problems)", $"无：规则文件未通过校验（{policy.Problems.Count} 个问题）"))
            .CoverFact(L("Runs", "运行"), $"{N(runs.Count)} ({N(done.Count)} {L("done", "完成")}, {N(runs.Count(r => r.State == "failed"))} {L("failed", "失败")}, {N(runs.Count(r => r.State == "rejected"))} {L("rejected", "已拒绝")})")
            .CoverFact(L("Rows removed", "删除的行"), N(done.Sum(r => r.RowsRemoved)))
            .CoverFact(L("Rows kept by legal holds", "因法律保全保留的行"), N(runs.Sum(r => r.RowsHeld)))
            .CoverFact(L("Rows kept for a held dependant", "因受保全的从属数据而保留的行"), N(runs.Sum(r => r.RowsKeptForDependants)))
            .CoverFact(L("Files removed", "删除的文件"), N(runs.Sum(r => r.FilesRemoved)))
            .CoverFact(L("Drawn from", "来源"), L("the retention rules (policies/retention) and the console's record of every run", "保留规则（policies/retention）及控制台对每次运行的记录"));

        report.Heading(L("Rules in force", "现行规则"));
        if (!policy.Valid || policy.Rules.Count == 0)
        {
            report.Paragraph(L("No rule is in force: nothing is removed by age.", "没有现行规则：不按期限删除任何数据。"));
        }
        else
        {
            report.Table(
                [
                    new TableColumn(L("Rule", "规则"), 1.6), new TableColumn(L("Data", "数据"), 1.0), new TableColumn(L("Applies to", "适用范围"), 1.4),
                    new TableColumn(L("Kept for", "保留"), 0.8), new TableColumn(L("Then", "之后"), 0.8), new TableColumn(L("Approval", "批准"), 0.8),
                    new TableColumn(L("Why", "依据"), 2.2),
                ],
                policy.Rules.OrderBy(r => r.Collection, StringComparer.Ordinal).ThenBy(r => r.Specificity).Select(r => (IReadOnlyList<string>)
                [
                    r.Name, r.Collection, r.ScopeText, r.Age.Text, RetentionRule.ActionCode(r.Action), r.NeedsApproval ? L("each run", "每次运行") : L("none", "无"), r.Why,
                ]));
        }

        report.Heading(L("Totals per rule", "按规则汇总"));
        if (runs.Count == 0)
        {
            report.Paragraph(L("No run was asked for in the period.", "期间内没有发起任何运行。"));
        }
        else
        {
            report.Table(
                [
                    new TableColumn(L("Rule", "规则"), 1.8), new TableColumn(L("Runs", "运行"), 0.7, true), new TableColumn(L("Removed", "删除"), 1.0, true),
                    new TableColumn(L("Kept by holds", "保全保留"), 1.0, true), new TableColumn(L("Kept for dependants", "从属保留"), 1.1, true),
                    new TableColumn(L("Files", "文件"), 0.8, true), new TableColumn(L("Failed", "失败"), 0.7, true),
                ],
                runs.GroupBy(r => r.Rule, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (IReadOnlyList<string>)
                [
                    g.Key, N(g.Count()), N(g.Where(r => r.State == "done").Sum(r => r.RowsRemoved)), N(g.Sum(r => r.RowsHeld)), N(g.Sum(r => r.RowsKeptForDependants)),
                    N(g.Sum(r => r.FilesRemoved)), N(g.Count(r => r.State == "failed")),
                ]));

            report.Heading(L("Runs", "运行"));
            report.Table(
                [
                    new TableColumn(L("Asked (UTC)", "发起（UTC）"), 1.3), new TableColumn(L("Rule", "规则"), 1.5), new TableColumn(L("Store", "存储"), 0.6),
                    new TableColumn(L("Dated before", "早于"), 1.1), new TableColumn(L("State", "状态"), 1.0), new TableColumn(L("Removed", "删除"), 0.9, true),
                    new TableColumn(L("Held", "保全"), 0.7, true), new TableColumn(L("Files", "文件"), 0.6, true), new TableColumn(L("Took", "耗时"), 0.7, true),
                ],
                runs.Select(r => (IReadOnlyList<string>)
                [
                    r.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), r.Rule, r.Store, r.Cutoff.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    State(r), N(r.RowsRemoved), N(r.RowsHeld), N(r.FilesRemoved), r.DurationMs is { } ms ? $"{ms / 1000.0:N1} s" : "–",
                ]));
        }

        report.Heading(L("Exceptions", "例外"));
        var exceptions = runs.Where(r => r.State is "failed" or "rejected" or "awaiting-approval" || r.RowsHeld > 0 || r.RowsKeptForDependants > 0).ToList();
        if (exceptions.Count == 0)
        {
            report.Paragraph(L("None: every run did all it was due to do, and no row was kept back.", "无：每次运行均完成应做的工作，且没有保留任何行。"));
        }
        else
        {
            report.Table(
                [new TableColumn(L("Run", "运行"), 2.2), new TableColumn(L("What", "情况"), 4.0)],
                exceptions.Select(r => (IReadOnlyList<string>)
                [
                    $"{r.CreatedAt:yyyy-MM-dd HH:mm} {r.Rule} / {r.Store}",
                    r.State switch
                    {
                        "failed" => L($"failed: {r.Problem}", $"失败：{r.Problem}"),
                        "rejected" => L($"rejected by {Name(r.DecidedBy)}: {r.DecisionReason}", $"被 {Name(r.DecidedBy)} 拒绝：{r.DecisionReason}"),
                        "awaiting-approval" => L("still waiting for a privacy officer's approval", "仍在等待隐私官批准"),
                        _ => L($"{N(r.RowsHeld)} rows kept by legal holds, {N(r.RowsKeptForDependants)} kept for a held dependant", $"{N(r.RowsHeld)} 行因法律保全保留，{N(r.RowsKeptForDependants)} 行因受保全的从属数据保留"),
                    },
                ]));
        }

        report.Heading(L("Approvals", "批准"));
        var decided = runs.Where(r => r.DecidedBy is not null).ToList();
        if (decided.Count == 0)
        {
            report.Paragraph(L("No run in the period needed a decision.", "期间内没有需要决定的运行。"));
        }
        else
        {
            report.Table(
                [
                    new TableColumn(L("Decided (UTC)", "决定（UTC）"), 1.3), new TableColumn(L("Rule / store", "规则 / 存储"), 1.6), new TableColumn(L("Decision", "决定"), 0.9),
                    new TableColumn(L("By", "决定人"), 1.1), new TableColumn(L("Reason", "理由"), 2.6),
                ],
                decided.Select(r => (IReadOnlyList<string>)
                [
                    r.DecidedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "–", $"{r.Rule} / {r.Store}",
                    r.State == "rejected" ? L("rejected", "拒绝") : L("approved", "批准"), Name(r.DecidedBy), r.DecisionReason ?? "",
                ]));
        }

        return report.Build();
    }
}
