using System.Globalization;
using System.Text.RegularExpressions;
using Governance.Core.Audit;
using Governance.Core.Reports;
using Governance.Jobs.Reports;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Npgsql;

namespace Governance.Web.Tests.Reports;

/// <summary>The retention execution report read back from the PDF, against runs written here by direct SQL.</summary>
public sealed class RetentionReportTests() : ReportDatabaseTests("retreport")
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var owner = new NpgsqlConnection(Admin);
        await owner.OpenAsync();
        // Eight runs in November (done, failed, rejected, held rows), one in October (outside the period).
        var runs = new (string Rule, string State, int Day, long Removed, long Held, long Kept, long Files, string? Decided, string? Reason, string? Problem)[]
        {
            ("messages-two-years", "done", 2, 120_000, 0, 0, 40, null, null, null),
            ("messages-two-years", "done", 3, 80_500, 35, 2, 12, null, null, null),
            ("messages-two-years", "failed", 4, 1_000, 0, 0, 0, null, null, "database error 57014"),
            ("sessions-ninety-days", "done", 5, 4_321, 0, 0, 0, null, null, null),
            ("sessions-ninety-days", "done", 6, 17, 0, 0, 0, null, null, null),
            ("direct-messages-one-year", "done", 10, 999, 1, 0, 3, "local:officer", "Checked against records schedule RS-4.1", null),
            ("direct-messages-one-year", "rejected", 11, 0, 0, 0, 0, "local:officer", "Litigation expected in the Acme matter", null),
            ("ai-interactions-six-months", "awaiting-approval", 12, 0, 0, 0, 0, null, null, null),
        };
        foreach (var r in runs.Append(("messages-two-years", "done", -20, 777_777, 0, 0, 0, null, null, null)))
        {
            var at = r.Day > 0 ? new DateTime(2026, 11, r.Day, 2, 0, 0, DateTimeKind.Utc) : new DateTime(2026, 10, 11, 2, 0, 0, DateTimeKind.Utc);
            await using var insert = new NpgsqlCommand("""
                insert into gov.retention_runs (id, rule, store, region, collection, action, state, cutoff, created_at, created_by, decided_by, decided_at, decision_reason,
                    started_at, finished_at, batches, rows_removed, rows_held, rows_kept_for_dependants, files_removed, duration_ms, problem)
                values (@id, @rule, 'eu', 'eu', 'messages', 'delete', @state, @at - interval '2 years', @at, 'job:retention', @decided, @at, @reason,
                    @at, @at + interval '1 minute', 10, @removed, @held, @kept, @files, 60000, @problem)
                """, owner);
            insert.Parameters.AddWithValue("id", Guid.CreateVersion7());
            insert.Parameters.AddWithValue("rule", r.Rule);
            insert.Parameters.AddWithValue("state", r.State);
            insert.Parameters.AddWithValue("at", at);
            insert.Parameters.AddWithValue("decided", (object?)r.Decided ?? DBNull.Value);
            insert.Parameters.AddWithValue("reason", (object?)r.Reason ?? DBNull.Value);
            insert.Parameters.AddWithValue("removed", r.Removed);
            insert.Parameters.AddWithValue("held", r.Held);
            insert.Parameters.AddWithValue("kept", r.Kept);
            insert.Parameters.AddWithValue("files", r.Files);
            insert.Parameters.AddWithValue("problem", (object?)r.Problem ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync();
        }
    }

    private Task<long> Truth(string sql) => TestPostgres.ScalarAsync<long>(Admin,
        $"select coalesce(({sql}), 0) from gov.retention_runs where created_at >= '2026-11-01' and created_at < '2026-12-01'");

    [Fact]
    public async Task Generate_TotalsExceptionsAndApprovals_EqualWhatTheRunsSay_AndTheRulesInForceAreListed()
    {
        var generated = await Generator().GenerateAsync(new ReportRequest(ReportKinds.Retention, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30), "en"),
            new AuditActor(AuditActorType.User, "local:3", ["Auditor"]), CancellationToken.None);
        ReportLayoutTests.SavePicture(generated.Pdf, "retention-report");
        var all = string.Join("\n", Pages(generated.Pdf));
        var flat = all.Replace("\n", " ", StringComparison.Ordinal);
        string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

        Assert.Contains("Retention execution report", flat, StringComparison.Ordinal);
        Assert.Contains($"Rows removed {N(await Truth("sum(rows_removed) filter (where state = 'done')"))}", flat, StringComparison.Ordinal);
        Assert.Contains($"Rows kept by legal holds {N(await Truth("sum(rows_held)"))}", flat, StringComparison.Ordinal);
        Assert.Contains($"Files removed {N(await Truth("sum(files_removed)"))}", flat, StringComparison.Ordinal);
        Assert.Matches($@"Runs {await Truth("count(*)")} \({await Truth("count(*) filter (where state = 'done')")} done, 1 failed, 1 rejected\)", flat);
        // Per rule: runs and removed rows.
        Assert.Matches(@"messages-two-years\s+3\s+" + Regex.Escape(N(await Truth("sum(rows_removed) filter (where state = 'done' and rule = 'messages-two-years')"))), all);
        Assert.DoesNotContain("777,777", flat, StringComparison.Ordinal); // the October run is outside the period
        // Exceptions and approvals, with who and why.
        Assert.Contains("failed: database error 57014", flat, StringComparison.Ordinal);
        Assert.Contains("Litigation expected in the Acme matter", flat, StringComparison.Ordinal);
        Assert.Contains("still waiting for a privacy officer's approval", flat, StringComparison.Ordinal);
        Assert.Contains("Checked against records schedule RS-4.1", flat, StringComparison.Ordinal);
        // The rules in force, from the repository's files.
        var rules = Directory.GetFiles(Path.Combine(Path.GetDirectoryName(ConsoleDatabases.PoliciesFolder())!, "retention"), "*.yaml").SelectMany(File.ReadAllLines)
            .Where(l => l.TrimStart().StartsWith("- name:", StringComparison.Ordinal)).Select(l => l.Split(':')[1].Trim()).ToList();
        Assert.Contains($"Rules in force {rules.Count}", flat, StringComparison.Ordinal);
        var unwrapped = Regex.Replace(all, @"\s+", ""); // a long name wraps inside its table cell
        Assert.All(rules, r => Assert.Contains(r, unwrapped, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Generate_InChinese_HasTheSameFigures()
    {
        var generated = await Generator().GenerateAsync(new ReportRequest(ReportKinds.Retention, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30), "zh"),
            new AuditActor(AuditActorType.User, "local:3", ["Auditor"]), CancellationToken.None);
        var flat = string.Join(" ", Pages(generated.Pdf)).Replace("\n", " ", StringComparison.Ordinal);
        Assert.Contains("保留期限执行报告", flat, StringComparison.Ordinal);
        Assert.Contains((await Truth("sum(rows_removed) filter (where state = 'done')")).ToString("N0", CultureInfo.InvariantCulture), flat, StringComparison.Ordinal);
    }
}
