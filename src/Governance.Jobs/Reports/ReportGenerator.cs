using System.Globalization;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Reports;
using Governance.Core.Validation;

namespace Governance.Jobs.Reports;

/// <summary>
/// What to generate: a kind, a period (whole days, UTC, both included) and a language; for the audit extract, a filter
/// by actor, action or outcome as well.
/// </summary>
public sealed record ReportRequest(string Kind, DateOnly? From, DateOnly? To, string Language, string? Actor = null, string? Action = null, string? Outcome = null, Guid? RequestId = null)
{
    /// <summary>The certificate of erasure of one request (no period, no filter).</summary>
    public static ReportRequest Certificate(Guid requestId, string language) => new(ReportKinds.Erasure, null, null, language, RequestId: requestId);

    public bool Filtered => Actor is not null || Action is not null || Outcome is not null;

    /// <summary>The problems, by field; nothing is generated while there is one.</summary>
    public void Validate()
    {
        var errors = new ValidationErrors();
        if (!ReportKinds.All.Contains(Kind))
        {
            errors.Add("kind", $"Must be one of {string.Join(", ", ReportKinds.All)}.");
        }

        if (ReportText.All.All(t => t.Code != Language))
        {
            errors.Add("lang", $"Must be one of {string.Join(", ", ReportText.All.Select(t => t.Code))}.");
        }

        if (From is { } f && To is { } t && t < f)
        {
            errors.Add("to", "The period ends before it starts.");
        }

        if ((Kind == ReportKinds.Erasure) != (RequestId is not null))
        {
            errors.Add("request", Kind == ReportKinds.Erasure ? "A certificate of erasure names its request." : "Only a certificate of erasure names a request.");
        }

        if (Kind == ReportKinds.Erasure && (From is not null || To is not null))
        {
            errors.Add("from", "A certificate of erasure has no period.");
        }

        if (Filtered && Kind != ReportKinds.Audit)
        {
            errors.Add("kind", "Filters by actor, action or outcome apply to the audit extract only.");
        }

        foreach (var (field, message) in new AuditFilter(ActorId: Actor, Action: Action, Outcome: Outcome).Problems())
        {
            errors.Add(field == nameof(AuditFilter.ActorId) ? "actor" : field.ToLowerInvariant(), message);
        }

        ValidationException.ThrowIfAny("report", errors);
    }

    public string PeriodText(ReportText text) => (From, To) switch
    {
        (null, null) => text.Code == "zh" ? "全部" : "all time",
        ({ } f, null) => $"{f:yyyy-MM-dd} –",
        (null, { } t) => $"– {t:yyyy-MM-dd}",
        ({ } f, { } t) => $"{f:yyyy-MM-dd} – {t:yyyy-MM-dd}",
    };
}

/// <summary>The outcome of a generation: the stored report and its bytes.</summary>
public sealed record GeneratedReport(StoredReport Report, byte[] Pdf);

/// <summary>Builds the report of a kind, renders it, stores it with its hash (audited) and returns it.</summary>
public sealed class ReportGenerator(
    GovernanceDatabase database,
    AuditQuery auditQuery,
    AuditVerifier verifier,
    ReportArchive archive,
    Governance.Core.DataMap.DataMapCatalog maps,
    Governance.Core.Requests.RegulationsCatalog regulations,
    ResolvedConnections connections,
    Governance.Core.Requests.StaffDirectory staff,
    Governance.Core.Retention.RetentionCatalog retention,
    Governance.Core.Retention.RetentionPurge purge,
    TimeProvider time)
{
    /// <summary>The kinds that can be generated.</summary>
    public static readonly IReadOnlyList<string> Built = [ReportKinds.Requests, ReportKinds.Audit, ReportKinds.Ropa, ReportKinds.Retention];

    public async Task<GeneratedReport> GenerateAsync(ReportRequest request, AuditActor actor, CancellationToken ct)
    {
        request.Validate();
        if (request.Kind == ReportKinds.Ropa)
        {
            request = request with { From = null, To = null }; // records of processing are as of now, not of a period
        }

        var text = ReportText.For(request.Language);
        var id = Guid.CreateVersion7();
        var identifier = "RPT-" + id.ToString("N")[..12].ToUpperInvariant();
        // The time printed in the report is the one stored with it, to the second.
        var now = time.GetUtcNow();
        var at = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero);
        // The report names the person who generated it (the id stays in the database and the audit log).
        var by = await NameOfAsync(actor, ct);
        var document = request.Kind switch
        {
            ReportKinds.Audit => await AuditExtractReport.BuildAsync(auditQuery, verifier, request, identifier, at, by, ct),
            ReportKinds.Requests => RequestRegisterReport.Build(await RequestRegisterReport.LoadAsync(database, request.From, request.To, ct), request, identifier, at, by),
            ReportKinds.Ropa => RecordsOfProcessingReport.Build(maps.Load(), connections.Stores, regulations.Regimes, request, identifier, at, by),
            ReportKinds.Retention => await RetentionAsync(request, identifier, at, by, ct),
            ReportKinds.Erasure => Erasure.ErasureCertificate.Build(await Erasure.ErasureCertificate.LoadAsync(database, request.RequestId!.Value, ct), maps.Load(), request.Language, identifier, at, by),
            _ => throw ValidationException.For("report", "kind", $"The {request.Kind} report is not built yet; {string.Join(", ", Built)} is."),
        };
        var rendered = ReportRenderer.Render(document);
        var stored = new StoredReport(id, request.Kind, request.Language, document.Title, request.From, request.To, rendered.Pages, rendered.Pdf.Length,
            rendered.Sha256, at, actor.Id);
        await archive.SaveAsync(stored, rendered.Pdf, new Dictionary<string, object?>
        {
            ["identifier"] = identifier,
            ["actor"] = request.Actor,
            ["action"] = request.Action,
            ["outcome"] = request.Outcome,
            ["request"] = request.RequestId,
        }, actor, ct);
        return new GeneratedReport(stored, rendered.Pdf);
    }

    private async Task<ReportDocument> RetentionAsync(ReportRequest request, string identifier, DateTimeOffset at, string by, CancellationToken ct)
    {
        var runs = await RetentionExecutionReport.LoadAsync(purge, request.From, request.To, ct);
        var names = await staff.ByIdAsync(runs.Select(r => r.DecidedBy).OfType<string>().Distinct(StringComparer.Ordinal), ct);
        return RetentionExecutionReport.Build(retention.Load(connections.Stores.Select(s => s.Region).Distinct(StringComparer.Ordinal).ToList()), runs,
            names.ToDictionary(n => n.Key, n => n.Value.DisplayName, StringComparer.Ordinal), request, identifier, at, by);
    }

    private async Task<string> NameOfAsync(AuditActor actor, CancellationToken ct) =>
        (await staff.ByIdAsync([actor.Id], ct)).TryGetValue(actor.Id, out var member) ? member.DisplayName : actor.Id;
}

/// <summary>
/// The audit log extract: every entry of the period oldest first, and on its cover the chain verification of the
/// positions it spans, with the first and last hash, so that the extract can be checked against the database.
/// </summary>
public static class AuditExtractReport
{
    public static async Task<ReportDocument> BuildAsync(AuditQuery query, AuditVerifier verifier, ReportRequest request, string identifier, DateTimeOffset at, string by, CancellationToken ct)
    {
        var zh = request.Language == "zh";
        string L(string en, string cn) => zh ? cn : en;
        var text = ReportText.For(request.Language);
        var filter = new AuditFilter(
            ActorId: request.Actor,
            Action: request.Action,
            Outcome: request.Outcome,
            From: request.From is { } f ? new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            To: request.To is { } t ? new DateTimeOffset(t.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null);
        var rows = await query.ExtractAsync(filter, ct);
        var sealedRows = rows.Where(r => r.Position is not null).ToList();
        var first = sealedRows.MinBy(r => r.Position);
        var last = sealedRows.MaxBy(r => r.Position);
        string verification;
        if (first is null || last is null)
        {
            verification = L("No sealed entry in the period: nothing to verify.", "期间内没有已封存的条目：无需验证。");
        }
        else
        {
            var result = await verifier.VerifyAsync(first.Position, last.Position, ct);
            verification = result.Intact
                ? L($"Intact: positions {first.Position:N0} to {last.Position:N0} recomputed and matched ({result.Checked:N0} checked).",
                    $"完整：位置 {first.Position:N0} 至 {last.Position:N0} 已重新计算并一致（检查 {result.Checked:N0} 个）。")
                : L($"BROKEN at position {result.FirstBadPosition}: {result.Summary}", $"在位置 {result.FirstBadPosition} 处损坏：{result.Summary}");
            if (request.Filtered)
            {
                verification += L(" (every position in that range, the filtered-out entries included)", "（该范围内的全部位置，包括未被筛选的条目）");
            }
        }

        var report = Report.Titled(L("Audit log extract", "审计日志摘录"), identifier, at, by)
            .In(text)
            .Period(request.PeriodText(text))
            .CoverFact(L("Period (UTC, whole days)", "期间（UTC，整日）"), request.PeriodText(text))
            .CoverFact(L("Filter", "筛选"), request.Filtered
                ? string.Join(", ", new[] { ("actor", request.Actor), ("action", request.Action), ("outcome", request.Outcome) }.Where(x => x.Item2 is not null).Select(x => $"{x.Item1} = {x.Item2}"))
                : L("none: every entry", "无：全部条目"))
            .CoverFact(L("Entries", "条目"), rows.Count.ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Not yet sealed", "尚未封存"), (rows.Count - sealedRows.Count).ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Chain verification", "哈希链验证"), verification)
            .CoverFact(L("First position and hash", "首个位置与哈希"), first is null ? "–" : $"{first.Position}: {first.Hash}")
            .CoverFact(L("Last position and hash", "最后位置与哈希"), last is null ? "–" : $"{last.Position}: {last.Hash}")
            .CoverFact(L("How to check", "如何核对"), L(
                "Run './gov audit verify --from FIRST --to LAST' against the governance database: the same positions must be intact and end in the same hash.",
                "对治理数据库运行 './gov audit verify --from 首个位置 --to 最后位置'：相同位置必须完整，且以相同哈希结束。"))
            .CoverFact(L("Generated", "生成"), $"{at:yyyy-MM-dd HH:mm:ss} UTC, {by}");

        report.Heading(L("Entries", "条目"));
        if (rows.Count == 0)
        {
            report.Paragraph(L("No entry in the period.", "期间内没有条目。"));
        }
        else
        {
            report.Table(
                [
                    new TableColumn(L("Position", "位置"), 0.95, AlignRight: true),
                    new TableColumn(L("Time (UTC)", "时间（UTC）"), 1.5),
                    new TableColumn(L("Actor", "操作者"), 1.05),
                    new TableColumn(L("Action", "操作"), 1.35),
                    new TableColumn(L("Target", "对象"), 1.5),
                    new TableColumn(L("Outcome", "结果"), 1.0),
                    new TableColumn(L("Hash (first 16)", "哈希（前 16 位）"), 1.6),
                ],
                rows.Select(r => (IReadOnlyList<string>)
                [
                    r.Position?.ToString(CultureInfo.InvariantCulture) ?? L("unsealed", "未封存"),
                    r.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    r.ActorId,
                    r.Action,
                    r.TargetType is null ? "" : $"{r.TargetType} {r.TargetId}",
                    r.Outcome,
                    r.Hash is null ? "" : r.Hash[..16],
                ]));
        }

        return report.Build();
    }
}
