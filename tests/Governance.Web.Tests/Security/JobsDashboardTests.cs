using System.Net;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Security;

/// <summary>The job dashboard cannot quietly switch off the daily chain verification.</summary>
public sealed class JobsDashboardTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Dashboard_IsReadOnly_AnActionIsRefused_AndAudited()
    {
        using var factory = new ConsoleFactory(databases.Settings);
        var admin = await factory.SignedInAsync("admin");
        var page = await admin.GetStringAsync("/jobs/recurring");
        Assert.Contains("verify-audit-chain", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Trigger now", page, StringComparison.Ordinal);
        using (var writable = new ConsoleFactory(new Dictionary<string, string?>(databases.Settings) { ["Jobs:DashboardWritable"] = "true" }))
        {
            Assert.Contains("Trigger now", await (await writable.SignedInAsync("admin")).GetStringAsync("/jobs/recurring"), StringComparison.Ordinal);
        }

        var response = await admin.PostAsync("/jobs/recurring/remove", new FormUrlEncodedContent(new Dictionary<string, string> { ["jobs[]"] = "verify-audit-chain" }));

        Assert.False(response.IsSuccessStatusCode, $"the read-only dashboard answered {(int)response.StatusCode}");
        using (var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            Assert.Contains("verify-audit-chain", connection.GetRecurringJobs().Select(j => j.Id));
        }

        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString,
            "select count(*) from gov.audit_log where action = 'jobs.dashboard-action' and target_id = 'recurring.remove' and outcome <> 'success'"));
    }

    [Fact]
    public async Task RecurringJob_RemovedBehindTheConsolesBack_IsRegisteredAgain()
    {
        using var factory = new ConsoleFactory(new Dictionary<string, string?>(databases.Settings) { ["Jobs:ReassertRecurringSeconds"] = "1" });
        _ = factory.Services; // start the host and its recurring-job registration
        var manager = factory.Services.GetRequiredService<IRecurringJobManager>();
        var storage = factory.Services.GetRequiredService<JobStorage>();

        manager.RemoveIfExists("verify-audit-chain");
        bool Registered()
        {
            using var connection = storage.GetConnection();
            return connection.GetRecurringJobs().Any(j => j.Id == "verify-audit-chain");
        }

        for (var waited = 0; waited < 30 && !Registered(); waited++)
        {
            await Task.Delay(500);
        }

        Assert.True(Registered(), "the daily verification job was not registered again");
    }
}
