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

    [Fact]
    public async Task Work_ShowsAnErasureWithItsStepsDone_AndARetentionRunWithItsBatches_NewestFirst()
    {
        var request = Guid.NewGuid();
        var erasure = Guid.NewGuid();
        var purge = Guid.NewGuid();
        await TestPostgres.ScalarAsync<int>(databases.AdminConnectionString, $"""
            insert into gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at)
            values ('{request}', 'DSR-WORK-1', 'gdpr', 'erasure', 'Processing', 'email', 'work-person@example.org', now() - interval '2 days', current_date - 2, current_date + 28, now() + interval '28 days');
            insert into gov.erasure_runs (id, request_id, store, map, identity_kind, state, started_at) values ('{erasure}', '{request}', 'eu', 'chat', 'email', 'running', now() - interval '1 minute');
            insert into gov.erasure_steps (run_id, step, collection, action, description, changed, done_at) values
                ('{erasure}', 1, 'messages', 'replace', 'content', 40, now()), ('{erasure}', 2, 'reactions', 'delete', 'rows', 2, now()), ('{erasure}', 3, 'users', 'replace', 'email', 0, null);
            insert into gov.retention_runs (id, rule, store, region, collection, action, state, cutoff, created_at, created_by, started_at, batches, rows_removed)
                values ('{purge}', 'messages-two-years', 'us', 'us', 'messages', 'delete', 'done', now() - interval '2 years', now() - interval '1 hour', 'job:retention', now() - interval '1 hour', 7, 6500);
            select 1
            """);

        var work = await new ConsoleWork(new Governance.Core.Database.GovernanceDatabase(Npgsql.NpgsqlDataSource.Create(databases.Settings["ConnectionStrings:Governance"]!)), TimeProvider.System)
            .RecentAsync(100, CancellationToken.None);

        var mine = work.Where(w => w.Id == erasure || w.Id == purge).ToList();
        Assert.Equal([erasure, purge], mine.Select(w => w.Id));   // newest first
        Assert.Equal(("erasure", "DSR-WORK-1", "running", 2, 3, 42L, (Guid?)request), (mine[0].Kind, mine[0].Name, mine[0].State, mine[0].Done, mine[0].Total, mine[0].Rows, mine[0].RequestId));
        Assert.Equal(("retention", "messages-two-years", "done", 7, (int?)null, 6500L), (mine[1].Kind, mine[1].Name, mine[1].State, mine[1].Done, mine[1].Total, mine[1].Rows));
    }
}
