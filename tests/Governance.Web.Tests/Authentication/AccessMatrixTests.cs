using System.Net;
using System.Reflection;
using Governance.Core.Security;
using Governance.Web.Authentication;
using Governance.Web.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;

namespace Governance.Web.Tests.Authentication;

public sealed class AccessMatrixTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    /// <summary>Every area of the console (a link in the navigation) and the policy that guards it.</summary>
    public static readonly (string Path, string Policy)[] Areas =
    [
        ("/", GovernancePolicies.Dashboard),
        ("/requests", GovernancePolicies.Requests),
        ("/holds", GovernancePolicies.Holds),
        ("/retention", GovernancePolicies.Retention),
        ("/residency", GovernancePolicies.Residency),
        ("/audit", GovernancePolicies.AuditLog),
        ("/reports", GovernancePolicies.Reports),
        ("/datamap", GovernancePolicies.DataMap),
        ("/settings", GovernancePolicies.Settings),
        ("/jobs", GovernancePolicies.Jobs),
    ];

    /// <summary>Pages inside an area: their route template, an example address, and the policy that guards them.</summary>
    public static readonly (string Template, string Example, string Policy)[] Pages =
    [
        ("/requests/new", "/requests/new", GovernancePolicies.Requests),
        ("/requests/{Id:guid}", "/requests/0190a7a4-0000-7000-8000-000000000000", GovernancePolicies.Requests),
    ];

    public static TheoryData<string, string, string> RoleAreaPairs()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var role in Roles.All)
        {
            foreach (var (path, policy) in Areas.Concat(Pages.Select(p => (p.Example, p.Policy))))
            {
                data.Add(role, path, policy);
            }
        }

        return data;
    }

    public void Dispose() => _factory.Dispose();

    [Theory]
    [MemberData(nameof(RoleAreaPairs))]
    public async Task Get_EachRoleOnEachArea_ReachesWhatItMayAndGets403Elsewhere(string role, string path, string policy)
    {
        var client = await _factory.SignedInAsync(ConsoleDatabases.UserFor(role));

        var response = await client.GetAsync(path);

        var expected = GovernancePolicies.Matrix[policy].Contains(role) ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Get_JobsDashboardAsAuditor_Is403_AsAdminShowsHangfire()
    {
        var auditor = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Auditor));
        var admin = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Admin));

        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.GetAsync("/jobs")).StatusCode);
        var page = await admin.GetStringAsync("/jobs");
        Assert.Contains("Governance jobs", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/requests")]
    [InlineData("/settings")]
    [InlineData("/jobs")]
    public async Task Get_Anonymous_RedirectsToSignIn(string path)
    {
        var response = await _factory.Anonymous().GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost/account/login", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AssignableStaff_AreExactlyTheRolesOfTheRequestsPolicy()
    {
        Assert.Equal(GovernancePolicies.Matrix[GovernancePolicies.Requests].Order(), Governance.Core.Requests.StaffDirectory.RequestRoles.Order());
    }

    [Fact]
    public void EveryRoutablePage_IsGuardedByAPolicyOfTheMatrix_AndListedHere()
    {
        var pages = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t) && t.GetCustomAttributes<RouteAttribute>().Any())
            .ToList();
        Assert.NotEmpty(pages);
        foreach (var page in pages)
        {
            if (page.GetCustomAttribute<AllowAnonymousAttribute>() is not null)
            {
                continue;
            }

            var authorize = page.GetCustomAttribute<AuthorizeAttribute>();
            Assert.True(authorize?.Policy is not null, $"{page.Name} has no [Authorize(Policy = ...)]");
            Assert.Contains(authorize!.Policy!, GovernancePolicies.Matrix.Keys);
            foreach (var route in page.GetCustomAttributes<RouteAttribute>())
            {
                Assert.True(Areas.Any(a => a.Path == route.Template && a.Policy == authorize.Policy) || Pages.Any(p => p.Template == route.Template && p.Policy == authorize.Policy),
                    $"{route.Template} is not listed in AccessMatrixTests.Areas or .Pages with policy {authorize.Policy}");
            }
        }
    }
}

public sealed class DataMapPageTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IDisposable
{
    private readonly ConsoleFactory _factory = new(databases.Settings);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task DataMapPage_AsPrivacyOfficer_ShowsTheGraphAndEveryCollection()
    {
        var officer = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.PrivacyOfficer));

        var html = await officer.GetStringAsync("/datamap");

        Assert.Contains("data-testid=\"datamap-graph\"", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        foreach (var collection in new[] { "users", "messages", "attachments", "ai_interactions" })
        {
            Assert.Contains($"data-collection=\"{collection}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("[message deleted]", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"datamap-problems\"", html, StringComparison.Ordinal);
    }
}
