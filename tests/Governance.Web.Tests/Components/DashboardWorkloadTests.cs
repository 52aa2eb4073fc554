using System.Globalization;
using Bunit;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Authentication;
using Governance.Web.Components.Pages;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Components;

/// <summary>The dashboard's work tiles: figures equal to direct SQL on the requests, shown to the roles that handle requests, in their language.</summary>
public sealed class DashboardWorkloadTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    private BunitContext Context(string actor, string role) => ConsoleComponents.WithPolicies(databases, actor, role);

    private static readonly SemaphoreSlim Once = new(1, 1);
    private static readonly HashSet<string> Seeded = [];

    /// <summary>Requests relative to today: two overdue, one due in two days, one in twenty, one closed.</summary>
    private async Task SeedAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (!Seeded.Add(databases.AdminConnectionString))
            {
                return;
            }

            // The console's start registers its recurring jobs (no job server runs in tests), as in production.
            using (var console = new ConsoleFactory(databases.Settings))
            {
                _ = console.Services;
            }

            var n = 0;
            foreach (var (state, dueIn) in new[] { ("InReview", -3), ("Verifying", -1), ("Received", 2), ("Approved", 20), ("Completed", -10) })
            {
                n++;
                await TestPostgres.ScalarAsync<int>(databases.AdminConnectionString, $"""
                    insert into gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at)
                    values (gen_random_uuid(), 'DSR-DASH-{n}', 'gdpr', 'access', '{state}', 'email', 'someone@example.org', now() - interval '20 days',
                            current_date - 20, current_date + {dueIn}, now() + interval '{dueIn} days')
                    returning 1
                    """);
            }
        }
        finally
        {
            Once.Release();
        }
    }

    private Task<long> CountAsync(string where) => TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
        $"select count(*) from gov.requests where state not in ('Completed', 'Denied', 'Withdrawn') and {where}");

    [Fact]
    public async Task Officer_SeesOpenDueSoonAndOverdue_AsTheRequestsSay_EachLinkedToItsList()
    {
        await SeedAsync();
        await using var context = Context(await databases.ActorIdAsync("officer"), Roles.PrivacyOfficer);

        var page = context.Render<Dashboard>();

        page.WaitForAssertion(() => page.Find("[data-testid=request-tiles]"));
        string Figure(string tile) => page.Find($"[data-testid={tile}] .figure").TextContent.Trim();
        Assert.Equal((await CountAsync("true")).ToString("N0", CultureInfo.InvariantCulture), Figure("tile-open"));
        Assert.Equal((await CountAsync("coalesce(extended_due_on, due_on) < current_date")).ToString(CultureInfo.InvariantCulture), Figure("tile-overdue"));
        Assert.Equal((await CountAsync("coalesce(extended_due_on, due_on) between current_date and current_date + 7")).ToString(CultureInfo.InvariantCulture), Figure("tile-due-soon"));
        Assert.Equal("/requests?overdue=true", page.Find("[data-testid=tile-overdue]").GetAttribute("href"));
        Assert.Contains(page.FindAll("[data-testid=open-by-state] a"), a => a.GetAttribute("href") == "/requests?state=InReview" && a.TextContent == "In review");
        Assert.NotEmpty(page.FindAll("[data-testid=burn-down] rect.series-due"));
        Assert.Equal(8, page.FindAll("[data-testid=weekly-table] tbody tr").Count);
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=job-health] [data-job]")));
        Assert.NotNull(page.Find("[data-testid=retention-tiles]"));
    }

    [Fact]
    public async Task Admin_SeesTheRequestTiles_Auditor_SeesJobsAndRetentionButNoRequests_Lawyer_NoRetention()
    {
        await SeedAsync();
        await using (var admin = Context(await databases.ActorIdAsync("admin"), Roles.Admin))
        {
            var page = admin.Render<Dashboard>();
            page.WaitForAssertion(() => page.Find("[data-testid=request-tiles]"));
        }

        await using (var auditor = Context(await databases.ActorIdAsync("auditor"), Roles.Auditor))
        {
            var page = auditor.Render<Dashboard>();
            page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=job-health] [data-job]")));
            Assert.Empty(page.FindAll("[data-testid=request-tiles]"));
            Assert.NotNull(page.Find("[data-testid=retention-tiles]"));
        }

        await using (var lawyer = Context(await databases.ActorIdAsync("lawyer"), Roles.Legal))
        {
            var page = lawyer.Render<Dashboard>();
            page.WaitForAssertion(() => page.Find("[data-testid=request-tiles]"));
            Assert.Empty(page.FindAll("[data-testid=retention-tiles]"));
        }
    }

    [Fact]
    public async Task Dashboard_InChinese_SaysItInChinese()
    {
        await SeedAsync();
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
            await using var context = Context(await databases.ActorIdAsync("officer"), Roles.PrivacyOfficer);

            var page = context.Render<Dashboard>();

            page.WaitForAssertion(() => page.Find("[data-testid=request-tiles]"));
            Assert.Equal("仪表板", page.Find("h1").TextContent);
            Assert.Equal("已逾期", page.Find("[data-testid=tile-overdue] .label").TextContent);
            Assert.Contains(page.FindAll("[data-testid=open-by-state] a"), a => a.TextContent == "审核中");
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
