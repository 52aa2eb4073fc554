using System.Security.Cryptography;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Reports;
using Governance.Jobs.Reports;
using Governance.Tests.Support;
using Npgsql;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Governance.Web.Tests.Reports;

/// <summary>The audit log extract read back from its PDF, against what the governance database says (direct SQL).</summary>
public sealed class AuditExtractReportTests() : ReportDatabaseTests("report")
{

    private AuditLog Log() => new(Database, new AuditSealSignal());

    private async Task AppendAndSealAsync(int count)
    {
        var log = Log();
        for (var i = 1; i <= count; i++)
        {
            await log.AppendAsync(new AuditRecord(new AuditActor(AuditActorType.User, $"local:{i % 5}", ["Legal"]), i % 3 == 0 ? "hold.create" : "request.transition",
                AuditOutcome.Success, "request", $"req-{i}"), CancellationToken.None);
        }

        await Sealing.EverythingAsync(new AuditSealer(Database), Admin);
    }

    [Fact]
    public async Task Generate_CoverAgreesWithTheDatabase_EveryEntryIsListed_AndTheStoredHashIsTheFilesHash()
    {
        await AppendAndSealAsync(150);
        var actor = new AuditActor(AuditActorType.User, "local:9", ["Auditor"]);
        await using (var owner = new NpgsqlConnection(Admin))
        {
            await owner.OpenAsync();
            await using var staff = new NpgsqlCommand("insert into gov.staff (actor_id, display_name, roles, last_seen_at) values ('local:9', 'Ann Auditor', '{Auditor}', now())", owner);
            await staff.ExecuteNonQueryAsync();
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var generated = await Generator().GenerateAsync(new ReportRequest(ReportKinds.Audit, today.AddDays(-1), today, "en"), actor, CancellationToken.None);

        var pages = Pages(generated.Pdf);
        var all = string.Join("\n", pages);
        var (entries, first, last, firstHash, lastHash) = await TestPostgres.ScalarAsync<string>(Admin, """
            select concat_ws('|', (select count(*) from gov.audit_log where (occurred_at at time zone 'UTC')::date between (now() at time zone 'UTC')::date - 1 and (now() at time zone 'UTC')::date and action <> 'report.generate'),
                min(seq), max(seq), (select encode(hash, 'hex') from gov.audit_chain order by seq limit 1), (select encode(hash, 'hex') from gov.audit_chain order by seq desc limit 1))
            from gov.audit_chain
            """) is var truth ? Parts(truth) : default;
        Assert.Contains($"Entries {entries}", pages[0].Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"Intact: positions {first} to {last} recomputed and matched", pages[0], StringComparison.Ordinal);
        Assert.Contains(firstHash, pages[0].Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(lastHash, pages[0].Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        for (var i = 1; i <= 150; i++)
        {
            Assert.Matches($@"\breq-{i}\b", all);
        }

        for (var p = 0; p < pages.Length; p++)
        {
            Assert.Contains($"Page {p + 1} of {pages.Length}", pages[p], StringComparison.Ordinal);
            Assert.Contains("by Ann Auditor", pages[p], StringComparison.Ordinal); // a name on paper, the id in the database
        }

        Assert.Equal("local:9", await TestPostgres.ScalarAsync<string>(Admin, $"select generated_by from gov.reports where id = '{generated.Report.Id}'"));

        var stored = await TestPostgres.ScalarAsync<string>(Admin,
            $"select sha256 || '|' || pages || '|' || encode(sha256(content), 'hex') from gov.reports where id = '{generated.Report.Id}'");
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(generated.Pdf))}|{pages.Length}|{Convert.ToHexStringLower(SHA256.HashData(generated.Pdf))}", stored);
        Assert.Equal(generated.Report.Sha256, await TestPostgres.ScalarAsync<string>(Admin,
            $"select details->>'sha256' from gov.audit_log where action = 'report.generate' and target_id = '{generated.Report.Id}' and actor_id = 'local:9'"));
    }

    [Fact]
    public async Task Generate_FilteredByActorAndAction_ListsExactlyTheirEntries_AndSaysTheFilter()
    {
        await AppendAndSealAsync(60);

        var generated = await Generator().GenerateAsync(new ReportRequest(ReportKinds.Audit, null, null, "en", "local:2", "hold.create"),
            AuditActor.System("test"), CancellationToken.None);

        var all = string.Join("\n", Pages(generated.Pdf));
        var expected = (await TestPostgres.ScalarAsync<string>(Admin,
            "select string_agg(target_id, ',' order by id) from gov.audit_log where actor_id = 'local:2' and action = 'hold.create'")).Split(',');
        var listed = System.Text.RegularExpressions.Regex.Matches(all, @"\breq-\d+\b").Select(m => m.Value).Distinct().ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Contains("actor = local:2, action = hold.create", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_OnATamperedChain_SaysBrokenAndWhere_InChineseToo()
    {
        await AppendAndSealAsync(12);
        await using (var owner = new NpgsqlConnection(Admin))
        {
            await owner.OpenAsync();
            await using var tamper = new NpgsqlCommand(
                "set session_replication_role = replica; update gov.audit_log set actor_id = 'local:99' where id = (select entry_id from gov.audit_chain where seq = 7)", owner);
            await tamper.ExecuteNonQueryAsync();
        }

        var generated = await Generator().GenerateAsync(new ReportRequest(ReportKinds.Audit, null, null, "zh"), AuditActor.System("test"), CancellationToken.None);

        var cover = Pages(generated.Pdf)[0];
        Assert.Contains("在位置 7 处损坏", cover, StringComparison.Ordinal);
        Assert.Contains("审计日志摘录", cover, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_CannotBeChangedOrRemoved_EvenByTheirOwner()
    {
        await AppendAndSealAsync(3);
        var generated = await Generator().GenerateAsync(new ReportRequest(ReportKinds.Audit, null, null, "en"), AuditActor.System("test"), CancellationToken.None);

        foreach (var sql in new[] { $"update gov.reports set sha256 = repeat('0', 64) where id = '{generated.Report.Id}'", "delete from gov.reports", "truncate gov.reports" })
        {
            await using var owner = new NpgsqlConnection(Admin);
            await owner.OpenAsync();
            await using var command = new NpgsqlCommand(sql, owner);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        Assert.Equal(generated.Report.Sha256, await TestPostgres.ScalarAsync<string>(Admin, "select sha256 from gov.reports"));
    }

    [Theory]
    [InlineData("audit", "2026-11-30", "2026-11-01", "en", "to")]
    [InlineData("audit", null, null, "fr", "lang")]
    [InlineData("breach", null, null, "en", "kind")]
    [InlineData("requests", null, null, "en", "kind", "local:1")]
    [InlineData("audit", null, null, "en", "actor", "local:1' or 1=1")]
    public async Task Generate_BadRequest_NamesTheField_AndStoresNothing(string kind, string? from, string? to, string lang, string field, string? actor = null)
    {
        var request = new ReportRequest(kind, from is null ? null : DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture),
            to is null ? null : DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture), lang, actor);

        var error = await Assert.ThrowsAsync<Governance.Core.Validation.ValidationException>(() => Generator().GenerateAsync(request, AuditActor.System("test"), CancellationToken.None));

        Assert.Contains(field, error.Errors.Keys);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(Admin, "select count(*) from gov.reports"));
    }

    private static (string, string, string, string, string) Parts(string value)
    {
        var p = value.Split('|');
        return (p[0], p[1], p[2], p[3], p[4]);
    }
}
