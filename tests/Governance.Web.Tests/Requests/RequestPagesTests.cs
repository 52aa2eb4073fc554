using System.Net;
using System.Text;
using Governance.Core.Audit;
using Governance.Core.Holds;
using Governance.Core.Requests;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Requests;

/// <summary>The request detail, attachment downloads, the holds page and the staff directory, over HTTP on the real host.</summary>
public sealed class RequestPagesTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private static readonly AuditActor Clerk = AuditActor.System("test");
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    private async Task<SubmittedRequest> LetterAsync() =>
        await _factory.Services.GetRequiredService<RequestIntake>().SubmitAsync(
            new NewRequest("gdpr", "erasure", "page-person@example.org", null, null, true, null, "Agent Example", "signed permission"), "letter", Clerk, null, null, CancellationToken.None);

    [Fact]
    public async Task SignIn_RecordsTheMemberOfStaff_SoThatRequestsCanBeAssignedToThem()
    {
        await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Legal));

        var assignable = await _factory.Services.GetRequiredService<StaffDirectory>().AssignableAsync(CancellationToken.None);

        Assert.Contains(assignable, s => s.DisplayName == "lawyer" && s.Roles.Contains(Roles.Legal) && s.ActorId.StartsWith("local:", StringComparison.Ordinal));
        Assert.DoesNotContain(assignable, s => s.DisplayName == "auditor");
    }

    [Fact]
    public async Task Detail_ShowsTheRequestTheAgentAndTheVerificationBox()
    {
        var request = await LetterAsync();
        var officer = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.PrivacyOfficer));

        var html = await officer.GetStringAsync($"/requests/{request.Id}");

        Assert.Contains(request.Reference, html, StringComparison.Ordinal);
        Assert.Contains("Agent Example", html, StringComparison.Ordinal);
        Assert.Contains("Start verification", html, StringComparison.Ordinal);
        Assert.Contains("No such request", await officer.GetStringAsync($"/requests/{Guid.NewGuid()}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detail_OfAPersonUnderHold_SaysSo()
    {
        var userId = "held-" + Guid.NewGuid().ToString("N")[..8];
        var request = await _factory.Services.GetRequiredService<RequestIntake>().SubmitAsync(
            new NewRequest("gdpr", "erasure", null, null, userId, false, null), "email", Clerk, null, null, CancellationToken.None);
        var hold = await _factory.Services.GetRequiredService<LegalHolds>().CreateAsync(
            new NewHold("Page matter", [new HoldScope(HoldScopeKind.User, userId, "eu")], null, null, null), Clerk, CancellationToken.None);
        var lawyer = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Legal));

        var html = await lawyer.GetStringAsync($"/requests/{request.Id}");

        Assert.Contains("data-testid=\"request-held\"", html, StringComparison.Ordinal);
        Assert.Contains(hold.Reference, html, StringComparison.Ordinal);
        Assert.Contains(hold.Reference, await lawyer.GetStringAsync("/holds"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attachment_DownloadsForRequestRoles_IsRefusedToAuditors_AndEachDownloadIsAudited()
    {
        var request = await LetterAsync();
        var content = Encoding.UTF8.GetBytes("%PDF-1.4 signed permission");
        var attachmentId = await _factory.Services.GetRequiredService<RequestAttachments>().AddAsync(request.Id, "agent-permission", "permission.pdf", content, Clerk, CancellationToken.None);
        var officer = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.PrivacyOfficer));
        var auditor = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Auditor));
        var links = _factory.Services.GetRequiredService<Governance.Web.Security.DownloadLinks>();
        var url = $"/requests/{request.Id}/attachments/{attachmentId}";
        var officerId = await databases.ActorIdAsync("officer");

        var response = await officer.GetAsync(links.Sign(officerId, url));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.GetAsync(links.Sign(await databases.ActorIdAsync("auditor"), url))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await officer.GetAsync(url)).StatusCode); // unsigned, as another site would link it
        Assert.Equal(HttpStatusCode.NotFound, (await officer.GetAsync(links.Sign(officerId, $"/requests/{request.Id}/attachments/{Guid.NewGuid()}"))).StatusCode);
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            $"select count(*) from gov.audit_log where action = 'request.attachment.download' and target_id = '{attachmentId}' and actor_roles = 'PrivacyOfficer'"));
    }
}
