using System.Globalization;
using Dapper;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Jobs.Reports;

namespace Governance.Jobs.Erasure;

/// <summary>
/// The certificate of erasure of one request: per store and collection what was deleted, erased or edited and how
/// many rows, what was kept and on which legal basis, the rows legal holds kept (hold and matter), files removed,
/// the check that nothing is left, start and end, the recipients told (GDPR Art. 19), and the positions and hashes of
/// the request's audit entries so that an auditor can check them against the database. It names no person: the
/// request's reference stands for them.
/// </summary>
public static class ErasureCertificate
{
    public sealed record Data(
        string Reference,
        string Regime,
        string State,
        DateOnly ReceivedOn,
        string? Outcome,
        IReadOnlyList<string> Recipients,
        IReadOnlyList<RunRow> Runs,
        IReadOnlyList<StepRow> Steps,
        IReadOnlyList<HeldRow> Held,
        IReadOnlyList<(long Position, string Action, string Hash)> Audit,
        long Unsealed);

    public sealed record RunRow(string Store, string Map, bool Found, string State, bool? Verified, string? Problem, DateTime StartedAt, DateTime? FinishedAt);

    public sealed record StepRow(string Store, int Step, string Collection, string Action, string Description, long Changed, long Held, long FilesRemoved, long FilesMissing);

    public sealed record HeldRow(string Store, string Hold, string Matter, long Rows);

    public static async Task<Data> LoadAsync(GovernanceDatabase database, Guid requestId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var request = await connection.QuerySingleOrDefaultAsync<(string Reference, string Regime, string Type, string State, DateTime ReceivedOn, string? Closed, string[]? Recipients)?>(new CommandDefinition(
            "select reference, regime, type, state, received_on, closed_reason, erasure_recipients from gov.requests where id = @requestId", new { requestId }, cancellationToken: ct))
            ?? throw Governance.Core.Validation.ValidationException.For("report", "request", "There is no such request.");
        if (request.Type != "erasure" || request.State != "Completed")
        {
            throw Governance.Core.Validation.ValidationException.For("report", "request", $"A certificate of erasure is for a completed erasure request; this one is a {request.Type} request, {request.State}.");
        }

        var runs = (await connection.QueryAsync<RunRow>(new CommandDefinition("""
            select store as Store, map as Map, coalesce(found, false) as Found, state as State, verified as Verified, problem as Problem, started_at as StartedAt, finished_at as FinishedAt
            from gov.erasure_runs where request_id = @requestId and replay_id is null order by store
            """, new { requestId }, cancellationToken: ct))).ToList();
        var steps = (await connection.QueryAsync<StepRow>(new CommandDefinition("""
            select r.store as Store, s.step as Step, s.collection as Collection, s.action as Action, s.description as Description, s.changed as Changed, s.held as Held,
                   s.files_removed as FilesRemoved, s.files_missing as FilesMissing
            from gov.erasure_steps s join gov.erasure_runs r on r.id = s.run_id
            where r.request_id = @requestId and r.replay_id is null order by r.store, s.step
            """, new { requestId }, cancellationToken: ct))).ToList();
        var held = (await connection.QueryAsync<HeldRow>(new CommandDefinition("""
            select r.store as Store, h.reference as Hold, h.matter as Matter, count(*) as Rows
            from gov.erasure_runs r join gov.erasure_batches b on b.run_id = r.id,
                 jsonb_array_elements(coalesce(b.held, '[]'::jsonb)) e, jsonb_array_elements_text(e->'holds') ref
                 join gov.legal_holds h on h.reference = ref
            where r.request_id = @requestId and r.replay_id is null
            group by r.store, h.reference, h.matter order by r.store, h.reference
            """, new { requestId }, cancellationToken: ct))).ToList();
        var audit = (await connection.QueryAsync<(long, string, string)>(new CommandDefinition("""
            select c.seq, l.action, encode(c.hash, 'hex') from gov.audit_log l join gov.audit_chain c on c.entry_id = l.id
            where l.request_id = @id order by c.seq
            """, new { id = requestId.ToString("D") }, cancellationToken: ct))).ToList();
        var unsealed = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            select count(*) from gov.audit_log l where l.request_id = @id and not exists (select 1 from gov.audit_chain c where c.entry_id = l.id)
            """, new { id = requestId.ToString("D") }, cancellationToken: ct));
        return new Data(request.Reference, request.Regime, request.State, DateOnly.FromDateTime(request.ReceivedOn), request.Closed, request.Recipients ?? [],
            runs, steps, held, audit, unsealed);
    }

    public static ReportDocument Build(Data data, DataMapSet maps, string language, string identifier, DateTimeOffset at, string by)
    {
        var zh = language == "zh";
        string L(string en, string cn) => zh ? cn : en;
        var text = ReportText.For(language);
        var found = data.Runs.Where(r => r.Found).ToList();
        var started = data.Runs.Count == 0 ? (DateTime?)null : data.Runs.Min(r => r.StartedAt);
        var finished = data.Runs.Count == 0 || data.Runs.Any(r => r.FinishedAt is null) ? (DateTime?)null : data.Runs.Max(r => r.FinishedAt!.Value);
        var held = data.Steps.Sum(s => s.Held);
        var report = Report.Titled(L("Certificate of erasure", "删除证明") + " " + data.Reference, identifier, at, by)
            .In(text)
            .CoverFact(L("Request", "请求"), $"{data.Reference} ({data.Regime.ToUpperInvariant()}, {L("received", "收到于")} {data.ReceivedOn:yyyy-MM-dd})")
            .CoverFact(L("Outcome", "结果"), held > 0
                ? L($"Completed in part: {held:N0} rows kept under legal hold (listed below).", $"部分完成：{held:N0} 行因法律保全而保留（见下文）。")
                : L("Completed: everything the data map erases was erased.", "已完成：数据地图规定删除的内容均已删除。"))
            .CoverFact(L("Stores searched", "已搜索的存储"), string.Join(", ", data.Runs.Select(r => r.Found ? r.Store : $"{r.Store} ({L("person not there", "无此人")})")))
            .CoverFact(L("Rows erased", "已删除或清除的行"), data.Steps.Sum(s => s.Changed).ToString("N0", CultureInfo.InvariantCulture))
            .CoverFact(L("Files removed", "已移除的文件"), L(
                $"{data.Steps.Sum(s => s.FilesRemoved):N0} (and {data.Steps.Sum(s => s.FilesMissing):N0} already gone)",
                $"{data.Steps.Sum(s => s.FilesRemoved):N0}（另有 {data.Steps.Sum(s => s.FilesMissing):N0} 个此前已不存在）"))
            .CoverFact(L("Check after the run", "运行后的核查"), found.All(r => r.Verified == true)
                ? L("Passed in every store: no row the plan erases still holds what it erases, except held rows.", "所有存储均通过：除保全的行外，计划删除的内容已无残留。")
                : L("FAILED: " + string.Join("; ", found.Where(r => r.Verified != true).Select(r => $"{r.Store}: {r.Problem}")), "未通过：" + string.Join("；", found.Where(r => r.Verified != true).Select(r => $"{r.Store}: {r.Problem}"))))
            .CoverFact(L("Started, finished (UTC)", "开始、结束（UTC）"), $"{started:yyyy-MM-dd HH:mm:ss} – {finished:yyyy-MM-dd HH:mm:ss}")
            .CoverFact(L("Recipients told (GDPR Art. 19)", "已通知的接收方（GDPR 第 19 条）"), data.Recipients.Count == 0 ? L("none", "无") : string.Join(", ", data.Recipients))
            .CoverFact(L("Audit entries", "审计条目"), data.Audit.Count == 0
                ? L("not sealed yet", "尚未封存")
                : L($"positions {string.Join(", ", data.Audit.Select(a => a.Position))}; hash at {data.Audit[^1].Position}: {data.Audit[^1].Hash}",
                    $"位置 {string.Join("、", data.Audit.Select(a => a.Position))}；位置 {data.Audit[^1].Position} 的哈希：{data.Audit[^1].Hash}")
                  + (data.Unsealed > 0 ? L($" ({data.Unsealed} not sealed yet)", $"（{data.Unsealed} 条尚未封存）") : ""))
            .CoverFact(L("How to check", "如何核对"), L(
                "See docs/erasure.md: the positions and hashes against gov.audit_chain with psql, './gov audit verify' over them, and this file's SHA-256 (sha256sum) against the Reports page.",
                "见 docs/erasure.md：用 psql 将位置与哈希和 gov.audit_chain 核对，对其运行 './gov audit verify'，并用 sha256sum 将本文件的 SHA-256 与报告页核对。"));

        report.Heading(L("What was done, store by store", "各存储的处理"));
        var rows = new List<IReadOnlyList<string>>();
        foreach (var s in data.Steps)
        {
            var map = maps.Maps.FirstOrDefault(m => m.Name == data.Runs.First(r => r.Store == s.Store).Map);
            var collection = map?.Find(s.Collection);
            var kept = collection is { RowErasure: RowErasure.Keep } && s.Action != "delete";
            rows.Add(
            [
                s.Store,
                s.Collection,
                What(s, zh) + (zh ? "" : $": {s.Description}"),
                s.Action == "files" ? (s.FilesRemoved + s.FilesMissing).ToString("N0", CultureInfo.InvariantCulture) : s.Changed.ToString("N0", CultureInfo.InvariantCulture),
                s.Held.ToString("N0", CultureInfo.InvariantCulture),
                kept ? collection!.LegalBasis ?? "" : "",
            ]);
        }

        report.Table(
            [
                new TableColumn(L("Store", "存储"), 0.6),
                new TableColumn(L("Collection", "集合"), 1.1),
                new TableColumn(L("What was done", "处理"), 2.8),
                new TableColumn(L("Rows", "行数"), 0.6, AlignRight: true),
                new TableColumn(L("Held", "保全"), 0.6, AlignRight: true),
                new TableColumn(L("Row kept: legal basis", "保留行的法律依据"), 2.0),
            ], rows);

        report.Heading(L("Kept under legal hold", "因法律保全而保留"));
        if (data.Held.Count == 0)
        {
            report.Paragraph(L("No row was kept under a legal hold.", "没有因法律保全而保留的行。"));
        }
        else
        {
            report.Table(
                [new TableColumn(L("Store", "存储"), 0.8), new TableColumn(L("Hold", "保全"), 1.4), new TableColumn(L("Matter", "事项"), 3), new TableColumn(L("Rows", "行数"), 0.8, AlignRight: true)],
                data.Held.Select(h => (IReadOnlyList<string>)[h.Store, h.Hold, h.Matter, h.Rows.ToString("N0", CultureInfo.InvariantCulture)]));
        }

        report.Heading(L("Audit entries of the request", "该请求的审计条目"));
        report.Table(
            [new TableColumn(L("Position", "位置"), 0.8, AlignRight: true), new TableColumn(L("Action", "操作"), 1.6), new TableColumn(L("Hash", "哈希"), 4)],
            data.Audit.Select(a => (IReadOnlyList<string>)[a.Position.ToString(CultureInfo.InvariantCulture), a.Action, a.Hash]));
        return report.Build();
    }

    private static string What(StepRow s, bool zh) => s.Action switch
    {
        "delete" => zh ? "已删除行" : "rows deleted",
        "files" => zh ? "已移除文件" : "files removed",
        "rewrite" => zh ? "已编辑值中属于该人的部分" : "the person's part of stored values edited",
        _ when s.Description.StartsWith("erase the personal fields", StringComparison.Ordinal) || s.Description.StartsWith("strip", StringComparison.Ordinal)
            => zh ? "已清除个人字段（置空、替换或假名化）" : "personal fields erased (set null, replaced or pseudonymised)",
        _ => zh ? "指向该人的引用已移除或假名化" : "pointers to the person removed or pseudonymised",
    };
}
