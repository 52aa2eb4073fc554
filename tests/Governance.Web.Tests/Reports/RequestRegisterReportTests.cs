using System.Globalization;
using System.Text.RegularExpressions;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Reports;
using Governance.Jobs.Reports;
using Governance.Tests.Support;
using Npgsql;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Governance.Web.Tests.Reports;

/// <summary>The request register and metrics read back from the PDF, against the requests table (direct SQL).</summary>
public sealed class RequestRegisterReportTests() : ReportDatabaseTests("register")
{
    private static readonly string[] Types = ["access", "erasure", "rectification", "opt-out", "portability"];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var owner = new NpgsqlConnection(Admin);
        await owner.OpenAsync();
        // Thirty requests received every third day from 2026-09-01, and one before the period (2026-08-15).
        for (var i = -1; i < 30; i++)
        {
            var received = i < 0 ? new DateOnly(2026, 8, 15) : new DateOnly(2026, 9, 1).AddDays(i * 3);
            var state = i < 0 ? "Completed" : (i % 4) switch { 0 or 3 => "Completed", 1 => "Denied", _ => "InReview" };
            var closed = state == "InReview" ? (DateOnly?)null : received.AddDays(5 + (Math.Abs(i) % 7 * 4));
            var id = Guid.CreateVersion7();
            await using var insert = new NpgsqlCommand("""
                insert into gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at, extended_due_on, legal_basis, denial_reason)
                values (@id, @reference, @regime, @type, @state, 'api', 'person@example.org', @receivedAt, @received, @due, @dueAt, @extended, @basis, @reason)
                """, owner);
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("reference", $"DSR-{i + 1:D4}");
            insert.Parameters.AddWithValue("regime", i % 3 == 0 ? "gdpr" : "ccpa");
            insert.Parameters.AddWithValue("type", Types[Math.Abs(i) % Types.Length]);
            insert.Parameters.AddWithValue("state", state);
            insert.Parameters.AddWithValue("receivedAt", new DateTimeOffset(received.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero));
            insert.Parameters.AddWithValue("received", received);
            insert.Parameters.AddWithValue("due", received.AddDays(30));
            insert.Parameters.AddWithValue("dueAt", new DateTimeOffset(received.AddDays(30).ToDateTime(new TimeOnly(23, 59)), TimeSpan.Zero));
            insert.Parameters.AddWithValue("extended", i % 5 == 0 ? received.AddDays(60) : DBNull.Value);
            insert.Parameters.AddWithValue("basis", state == "Denied" ? (i % 2 == 0 ? "identity could not be verified" : "CCPA 1798.105(d)(1)") : DBNull.Value);
            // Listed reasons on most denials; some recorded before reasons were listed (null).
            insert.Parameters.AddWithValue("reason", state != "Denied" ? DBNull.Value : (i % 6) switch { 1 => "exemption", 5 => "excessive", _ when i % 2 == 0 => "unverifiable", _ => DBNull.Value });
            await insert.ExecuteNonQueryAsync();
            if (closed is { } c)
            {
                await using var closing = new NpgsqlCommand("""
                    insert into gov.request_events (request_id, occurred_at, actor_id, action, from_state, to_state, reason)
                    values (@id, @at, 'local:1', 'test', 'Processing', @state, 'closed by the test')
                    """, owner);
                closing.Parameters.AddWithValue("id", id);
                closing.Parameters.AddWithValue("at", new DateTimeOffset(c.ToDateTime(new TimeOnly(15, 30)), TimeSpan.Zero));
                closing.Parameters.AddWithValue("state", state);
                await closing.ExecuteNonQueryAsync();
            }
        }
    }

    /// <summary>Received, complied, denied, median and mean days for some requests, straight from the tables.</summary>
    private async Task<double[]> TruthAsync(string where)
    {
        var text = await TestPostgres.ScalarAsync<string>(Admin, $"""
            with r as (
                select r.state, (select max(e.occurred_at at time zone 'UTC')::date from gov.request_events e where e.request_id = r.id and e.to_state in ('Completed', 'Denied')) - r.received_on as days
                from gov.requests r where r.received_on between '2026-09-01' and '2026-11-30' and {where})
            select concat_ws('|', count(*), count(*) filter (where state = 'Completed'), count(*) filter (where state = 'Denied'),
                coalesce(percentile_cont(0.5) within group (order by days) filter (where state in ('Completed', 'Denied')), -1),
                coalesce(avg(days) filter (where state in ('Completed', 'Denied')), -1)) from r
            """);
        return text.Split('|').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    private static double[] Figures(string text, string label, int count)
    {
        var match = Regex.Match(text, Regex.Escape(label) + @"((?:\s+[\d.,–]+){" + count + "})");
        Assert.True(match.Success, $"no row '{label}' in:\n{text}");
        return match.Groups[1].Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v == "–" ? -1 : double.Parse(v, NumberStyles.Number, CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public async Task Generate_CcpaTableAndTypeMetricsAndDenials_EqualWhatTheTablesSay()
    {
        var generated = await Generator().GenerateAsync(new ReportRequest(ReportKinds.Requests, new DateOnly(2026, 9, 1), new DateOnly(2026, 11, 30), "en"),
            new AuditActor(AuditActorType.User, "local:3", ["Auditor"]), CancellationToken.None);
        ReportLayoutTests.SavePicture(generated.Pdf, "requests-register");
        using var pdf = PdfDocument.Open(generated.Pdf);
        var pages = pdf.GetPages().Select(p => ContentOrderTextExtractor.GetText(p)).ToList();
        var all = string.Join("\n", pages);

        Assert.Contains($"Requests received {(await TruthAsync("true"))[0]}", pages[0].Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        foreach (var (label, types) in new[] { ("Requests to know", "'access', 'portability'"), ("Requests to delete", "'erasure'"), ("Requests to correct", "'rectification'"), ("Requests to opt out of sale or sharing", "'opt-out'") })
        {
            var truth = await TruthAsync($"regime = 'ccpa' and type in ({types})");
            var shown = Figures(all, label, 5);
            Assert.Equal(truth[..3], shown[..3]);
            Assert.Equal(truth[3], shown[3], 1);
            Assert.Equal(truth[4], shown[4], 1); // the mean is printed to one decimal
        }

        foreach (var type in Types)
        {
            var truth = await TruthAsync($"type = '{type}'");
            var shown = Figures(all, "\n" + type, 3);
            Assert.Equal(truth[..3], shown);
        }

        var denials = await TestPostgres.ScalarAsync<long>(Admin,
            "select count(*) from gov.requests where state = 'Denied' and legal_basis = 'CCPA 1798.105(d)(1)' and received_on between '2026-09-01' and '2026-11-30'");
        Assert.Matches(@"CCPA 1798\.105\(d\)\(1\)\s+" + denials + @"\b", all);
        Assert.Contains("Requests received per month", all, StringComparison.Ordinal);

        // § 7102(a)(2): CCPA denials by ground, straight from the table (no listed reason counts as "other grounds").
        var grounds = all[all.IndexOf("Denials in whole or in part by ground", StringComparison.Ordinal)..];
        foreach (var (label, types) in new[] { ("Requests to know", "'access', 'portability'"), ("Requests to delete", "'erasure'"), ("Requests to correct", "'rectification'") })
        {
            var truth = (await TestPostgres.ScalarAsync<string>(Admin, $"""
                select concat_ws('|', count(*) filter (where denial_reason = 'unverifiable'), count(*) filter (where denial_reason = 'not-a-subject'),
                    count(*) filter (where denial_reason = 'exemption'), count(*) filter (where denial_reason is null or denial_reason not in ('unverifiable', 'not-a-subject', 'exemption')))
                from gov.requests where state = 'Denied' and regime = 'ccpa' and type in ({types}) and received_on between '2026-09-01' and '2026-11-30'
                """)).Split('|').Select(double.Parse).ToArray();
            Assert.Equal(truth, Figures(grounds, label, 4));
        }
        Assert.DoesNotContain("DSR-0000", all, StringComparison.Ordinal); // received before the period
        Assert.Contains("DSR-0030", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_InChinese_HasTheChineseFrameAndTheSameFigures()
    {
        var generated = await Generator().GenerateAsync(new ReportRequest(ReportKinds.Requests, new DateOnly(2026, 9, 1), new DateOnly(2026, 11, 30), "zh"),
            AuditActor.System("test"), CancellationToken.None);
        using var pdf = PdfDocument.Open(generated.Pdf);
        var pages = pdf.GetPages().Select(p => ContentOrderTextExtractor.GetText(p)).ToList();

        Assert.Contains("数据主体请求登记册与指标", pages[0], StringComparison.Ordinal);
        Assert.Contains($"第 1 页，共 {pages.Count} 页", pages[0], StringComparison.Ordinal);
        var truth = await TruthAsync("regime = 'ccpa' and type in ('erasure')");
        Assert.Equal(truth[..3], Figures(string.Join("\n", pages), "删除请求", 5)[..3]);
    }
}
