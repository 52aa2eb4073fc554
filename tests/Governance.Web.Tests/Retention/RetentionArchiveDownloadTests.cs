using System.Net;
using Governance.Core.Retention;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Retention;

/// <summary>What an archive-then-delete run archived: a privacy officer downloads it through a signed link (audited); an auditor, even with a link signed for them, is refused (audited).</summary>
public sealed class RetentionArchiveDownloadTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Officer_DownloadsTheArchivedRows_AnAuditorIsRefused_BothAudited()
    {
        var run = Guid.CreateVersion7();
        await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, $"""
            insert into gov.retention_runs (id, rule, store, region, collection, action, state, cutoff, created_by)
            values ('{run}', 'messages-archived', 'eu', 'eu', 'messages', 'archive-then-delete', 'done', now() - interval '2 years', 'job:retention');
            select 1
            """);
        var archive = _factory.Services.GetRequiredService<RetentionArchive>();
        string[] rows = ["{\"id\": 7, \"body\": \"first\"}", "{\"id\": 8, \"body\": \"second\"}"];
        await archive.WriteAsync(run, 1, "eu", "eu", [("messages", rows[0])], CancellationToken.None);
        await archive.WriteAsync(run, 2, "eu", "eu", [("messages", rows[1])], CancellationToken.None);
        var links = _factory.Services.GetRequiredService<Governance.Web.Security.DownloadLinks>();
        var officer = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.PrivacyOfficer));
        var auditor = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Auditor));
        var path = $"/retention/runs/{run}/archive.jsonl";

        var downloaded = await officer.GetAsync(links.Sign(await databases.ActorIdAsync("officer"), path));
        var unsigned = await officer.GetAsync(path);
        var refused = await auditor.GetAsync(links.Sign(await databases.ActorIdAsync("auditor"), path));

        Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
        var lines = (await downloaded.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["{\"collection\":\"messages\",\"row\":" + rows[0] + "}", "{\"collection\":\"messages\",\"row\":" + rows[1] + "}"], lines);
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("success,denied", await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
            $"select string_agg(outcome, ',' order by id) from gov.audit_log where action = 'retention.archive.download' and target_id = '{run}'"));
    }
}
