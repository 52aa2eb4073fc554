using System.Net;
using System.Text.Json;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Audit;

public sealed class AuditEndpointTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    private async Task<string> SignedAsync(string user, string path) =>
        _factory.Services.GetRequiredService<Governance.Web.Security.DownloadLinks>().Sign(await databases.ActorIdAsync(user), path);

    [Fact]
    public async Task ExportCsv_AsAuditorWithAFilter_StreamsOnlyMatchingEntriesAndIsAudited()
    {
        await ConsoleFactory.PostLoginAsync(_factory.Anonymous(), "officer", "wrong-password-1", "/");
        var auditor = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Auditor));

        var response = await auditor.GetAsync(await SignedAsync("auditor", "/audit/export.csv?action=auth.sign-in&outcome=failure&sort=OldestFirst"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2, "expected at least one failed sign-in");
        Assert.All(lines.Skip(1), l => Assert.Contains(",auth.sign-in,account,", l, StringComparison.Ordinal));
        Assert.All(lines.Skip(1), l => Assert.Contains(",failure,", l, StringComparison.Ordinal));
        Assert.True(await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.audit_log where action = 'audit.export' and details ->> 'action' = 'auth.sign-in' and details ->> 'outcome' = 'failure'") >= 1);
    }

    [Theory]
    [InlineData("actor=x'%20or%201=1--", "actor")]
    [InlineData("outcome=maybe", "outcome")]
    [InlineData("from=2026-05-02&to=2026-05-01", "to")]
    [InlineData("from=yesterday", "from")]
    [InlineData("sort=random", "sort")]
    public async Task ExportCsv_BadFilter_Is400NamingTheFieldAndRecordsNothing(string query, string field)
    {
        var auditor = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Auditor));
        var before = await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.audit_log where action = 'audit.export'");

        var response = await auditor.GetAsync(await SignedAsync("auditor", $"/audit/export.csv?{query}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}");
        Assert.Equal(before, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.audit_log where action = 'audit.export'"));
    }

    [Fact]
    public async Task ExportCsv_AsLegal_Is403()
    {
        var lawyer = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Legal));

        Assert.Equal(HttpStatusCode.Forbidden, (await lawyer.GetAsync(await SignedAsync("lawyer", "/audit/export.csv"))).StatusCode);
    }

    [Fact]
    public async Task ExportCsv_WithoutALinkSignedForThisPerson_IsRefused_AndRecordsNothing()
    {
        var auditor = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Auditor));
        var before = await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.audit_log where action = 'audit.export'");
        var forAdmin = await SignedAsync("admin", "/audit/export.csv?outcome=failure");
        var forAuditor = await SignedAsync("auditor", "/audit/export.csv?outcome=failure");

        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.GetAsync("/audit/export.csv?outcome=failure")).StatusCode); // as another site would link it
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.GetAsync(forAdmin)).StatusCode); // someone else's link
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.GetAsync(forAuditor.Replace("outcome=failure", "outcome=success", StringComparison.Ordinal))).StatusCode); // changed
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync(forAuditor)).StatusCode);
        Assert.Equal(before + 1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.audit_log where action = 'audit.export'"));
    }

    [Fact]
    public async Task SignIn_FailureAndSuccess_AreAuditedWithoutTheTypedName()
    {
        var client = _factory.Anonymous();
        await ConsoleFactory.PostLoginAsync(client, "no-such-person-xyz", "whatever-password", "/");
        await _factory.SignedInAsync("auditor");

        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.audit_log where position('no-such-person-xyz' in concat_ws('|', actor_id, target_id, details::text)) > 0"));
        Assert.True(await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.audit_log where action = 'auth.sign-in' and outcome = 'failure' and actor_id = 'anonymous' and details ->> 'reason' = 'unknown-account'") >= 1);
        Assert.True(await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.audit_log where action = 'auth.sign-in' and outcome = 'success' and actor_roles = 'Auditor'") >= 1);
    }

    [Fact]
    public async Task AuditPage_AsAuditor_ShowsTheChainStateAndTheFilters()
    {
        var auditor = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Auditor));

        var html = await auditor.GetStringAsync("/audit");

        Assert.Contains("data-testid=\"chain-badge\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"audit-filters\"", html, StringComparison.Ordinal);
    }
}
