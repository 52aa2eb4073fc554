using Bunit;
using Governance.Core.Audit;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Authentication;
using Governance.Web.Components.Pages;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Components;

/// <summary>Separation of duties on the dashboard: auditors see alerts but do not resolve them; a privacy officer resolves with a reason.</summary>
public sealed class DashboardAlertsTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    private BunitContext Context(string actor, string role) => ConsoleComponents.WithPolicies(databases, actor, role);

    private async Task<long> RaiseAsync(string summary)
    {
        using var scope = Context("local:0", Roles.Admin).Services.CreateScope();
        var alerts = scope.ServiceProvider.GetRequiredService<AlertStore>();
        await alerts.RaiseAsync("test-" + Guid.NewGuid().ToString("N")[..6], "warning", summary, null, AuditActor.Job("test"), CancellationToken.None);
        return (await alerts.OpenAsync(100, CancellationToken.None)).Single(a => a.Summary == summary).Id;
    }

    [Fact]
    public async Task Auditor_SeesTheAlert_WithoutAWayToResolveIt()
    {
        var summary = "Many downloads " + Guid.NewGuid().ToString("N")[..6];
        await RaiseAsync(summary);
        await using var context = Context(await databases.ActorIdAsync("auditor"), Roles.Auditor);

        var page = context.Render<Dashboard>();

        page.WaitForAssertion(() => Assert.Contains(summary, page.Find("[data-testid=alerts]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=alerts] fluent-text-field"));
        Assert.Empty(page.FindAll("[data-testid=alerts] fluent-button"));
    }

    [Fact]
    public async Task PrivacyOfficer_ResolvesOnlyWithAReason_WhichIsKept()
    {
        var summary = "Sign-in failures " + Guid.NewGuid().ToString("N")[..6];
        var id = await RaiseAsync(summary);
        await using var context = Context(await databases.ActorIdAsync("officer"), Roles.PrivacyOfficer);
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Contains(summary, page.Find("[data-testid=alerts]").TextContent, StringComparison.Ordinal));
        var item = () => page.FindAll("[data-testid=alerts] li").Single(li => li.TextContent.Contains(summary, StringComparison.Ordinal));

        await page.InvokeAsync(() => item().QuerySelector("fluent-button")!.Click());
        page.WaitForAssertion(() => Assert.Contains("Say why", page.Find("[data-testid=alert-problem]").TextContent, StringComparison.Ordinal));
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, $"select count(*) from gov.alerts where id = {id} and resolved_at is not null"));

        await page.InvokeAsync(() => item().QuerySelector("fluent-text-field")!.Change("A user who forgot their password; reset done."));
        await page.InvokeAsync(() => item().QuerySelector("fluent-button")!.Click());
        page.WaitForAssertion(() => Assert.DoesNotContain(summary, page.Find("section").TextContent, StringComparison.Ordinal));
        Assert.Equal("A user who forgot their password; reset done.", await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
            $"select resolution_reason from gov.alerts where id = {id}"));
    }
}
