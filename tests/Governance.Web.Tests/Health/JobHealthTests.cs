using Governance.Jobs.Hosting;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Health;

/// <summary>Job health as the dashboard reads it, and the deadline check that catches up at start-up; each on its own databases.</summary>
public sealed class JobHealthTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    private static string? LastJobOf(IServiceProvider services, string id)
    {
        using var connection = services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs([id]).Single().LastJobId;
    }

    [Fact]
    public async Task DeadlineCheck_RunsAtStartUp_WhenItNeverRan_NotAgainAtOnce_AndAgainWhenTheLastRunIsOverADayOld()
    {
        string first;
        using (var factory = new ConsoleFactory(databases.Settings))
        {
            first = LastJobOf(factory.Services, "request-deadlines") ?? throw new InvalidOperationException("the deadline check was not started");
            using var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection();
            Assert.Equal(EnqueuedState.StateName, connection.GetStateData(first).Name);
        }

        using (var again = new ConsoleFactory(databases.Settings))
        {
            Assert.Equal(first, LastJobOf(again.Services, "request-deadlines"));
        }

        await TestPostgres.ScalarAsync<int>(databases.AdminConnectionString,
            "update hangfire.hash set value = to_char(now() at time zone 'UTC' - interval '25 hours', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') where key = 'recurring-job:request-deadlines' and field = 'LastExecution' returning 1");
        using (var later = new ConsoleFactory(databases.Settings))
        {
            var second = LastJobOf(later.Services, "request-deadlines");
            Assert.NotNull(second);
            Assert.NotEqual(first, second);
        }
    }

    [Fact]
    public async Task Health_NamesEveryRecurringJob_WithItsLastRun_AndCountsOnlyFailuresThatStayedFailed()
    {
        using var factory = new ConsoleFactory(databases.Settings);
        var services = factory.Services;
        var manager = (IRecurringJobManagerV2)services.GetRequiredService<IRecurringJobManager>();
        var client = new BackgroundJobClient(services.GetRequiredService<JobStorage>());
        var failed = manager.TriggerJob("evaluate-alerts");
        client.ChangeState(failed, new FailedState(new InvalidOperationException("test failure")));
        var retried = manager.TriggerJob("evaluate-alerts");
        client.ChangeState(retried, new ScheduledState(TimeSpan.FromMinutes(1)) { Reason = "Retry attempt 1 of 2" });

        var health = await services.GetRequiredService<JobHealth>().GetAsync(CancellationToken.None);

        Assert.Contains(health, j => j.Id == "verify-audit-chain" && j.NextRunAt is not null && j.RecentFailures == 0);
        var alerts = Assert.Single(health, j => j.Id == "evaluate-alerts");
        Assert.Equal(1, alerts.RecentFailures);
        Assert.Equal(ScheduledState.StateName, alerts.LastState);   // the last run is the one being retried
        Assert.NotNull(alerts.LastRunAt);
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from hangfire.state where name = 'Failed'"));
    }
}
