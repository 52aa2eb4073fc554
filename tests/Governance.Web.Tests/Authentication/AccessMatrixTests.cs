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

    /// <summary>
    /// Who may open what, written here from the README's table "Who may open what" (not read from the policies):
    /// every area of the console (a link in the navigation), the policy its page names, and the roles that get a 200;
    /// every other role gets a 403. PO = PrivacyOfficer, L = Legal, Au = Auditor, Ad = Admin.
    /// </summary>
    public static readonly (string Path, string Policy, string Allowed)[] Areas =
    [
        ("/", "Dashboard", "PO L Au Ad"),
        ("/requests", "Requests", "PO L Ad"),
        ("/holds", "Holds", "PO L Ad"),
        ("/retention", "Retention", "PO Au Ad"),
        ("/residency", "Residency", "PO Au Ad"),
        ("/audit", "AuditLog", "PO Au Ad"),
        ("/reports", "Reports", "PO L Au Ad"),
        ("/datamap", "DataMap", "PO Au Ad"),
        ("/settings", "Settings", "Ad"),
        ("/jobs-overview", "Jobs", "Ad"),
    ];

    /// <summary>Pages inside an area: their route template, an example address, the policy, and who may open them.</summary>
    public static readonly (string Template, string Example, string Policy, string Allowed)[] Pages =
    [
        ("/requests/new", "/requests/new", "Requests", "PO L Ad"),
        ("/requests/{Id:guid}", "/requests/0190a7a4-0000-7000-8000-000000000000", "Requests", "PO L Ad"),
        ("/settings/accounts", "/settings/accounts", "Settings", "Ad"),
        ("/jobs", "/jobs", "Jobs", "Ad"),   // the job server's own dashboard, linked from the Jobs page
    ];

    private static readonly Dictionary<string, string> Short = new(StringComparer.Ordinal)
    {
        ["PO"] = "PrivacyOfficer", ["L"] = "Legal", ["Au"] = "Auditor", ["Ad"] = "Admin",
    };

    /// <summary>The roles of a row of the table, by their full names.</summary>
    public static string[] RolesOf(string allowed) => allowed.Split(' ').Select(a => Short[a]).ToArray();

    public static TheoryData<string, string, HttpStatusCode> RolePathAnswers()
    {
        var data = new TheoryData<string, string, HttpStatusCode>();
        foreach (var role in Short.Values)
        {
            foreach (var (path, allowed) in Areas.Select(a => (a.Path, a.Allowed)).Concat(Pages.Select(p => (p.Example, p.Allowed))))
            {
                data.Add(role, path, RolesOf(allowed).Contains(role) ? HttpStatusCode.OK : HttpStatusCode.Forbidden);
            }
        }

        return data;
    }

    public void Dispose() => _factory.Dispose();

    [Theory]
    [MemberData(nameof(RolePathAnswers))]
    public async Task Get_EachRoleOnEachArea_ReachesWhatItMayAndGets403Elsewhere(string role, string path, HttpStatusCode expected)
    {
        var client = await _factory.SignedInAsync(ConsoleDatabases.UserFor(role));

        var response = await client.GetAsync(path);

        Assert.True(expected == response.StatusCode, $"{role} on {path}: expected {expected}, got {response.StatusCode}; {_factory.Errors}");
    }

    [Fact]
    public async Task Get_APageTheRoleMayNotOpen_Is403_InTheConsolesLayoutWithTheMenu()
    {
        var auditor = await _factory.SignedInAsync(ConsoleDatabases.UserFor(Roles.Auditor));

        var response = await auditor.GetAsync("/requests");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<h1>Not allowed</h1>", page, StringComparison.Ordinal);
        Assert.Contains("<code>/requests</code>", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/audit\"", page, StringComparison.Ordinal); // the menu, with the auditor's own pages
        Assert.Matches("href=\"app(\\.[a-z0-9]+)?\\.css\"", page); // the console's styles (fingerprinted)
    }

    [Fact]
    public void Roles_AreExactlyTheFourOfTheTable()
    {
        Assert.Equal(Short.Values.Order(StringComparer.Ordinal), Roles.All.Order(StringComparer.Ordinal));
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
        Assert.Equal(RolesOf(Areas.Single(a => a.Path == "/requests").Allowed).Order(StringComparer.Ordinal),
            Governance.Core.Requests.StaffDirectory.RequestRoles.Order(StringComparer.Ordinal));
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
            var roles = GovernancePolicies.Matrix[authorize.Policy!].Order(StringComparer.Ordinal).ToArray();
            foreach (var route in page.GetCustomAttributes<RouteAttribute>())
            {
                var row = Areas.Where(a => a.Path == route.Template).Select(a => (a.Policy, a.Allowed))
                    .Concat(Pages.Where(p => p.Template == route.Template).Select(p => (p.Policy, p.Allowed))).ToList();
                Assert.True(row.Count == 1 && row[0].Policy == authorize.Policy && RolesOf(row[0].Allowed).Order(StringComparer.Ordinal).SequenceEqual(roles),
                    $"{route.Template} is not listed in AccessMatrixTests.Areas or .Pages with policy {authorize.Policy} and its roles");
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
