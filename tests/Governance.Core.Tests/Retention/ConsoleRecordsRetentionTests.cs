using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Holds;
using Governance.Core.Retention;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Retention;

/// <summary>The console's own records under retention: closed requests past their age lose their contact data, notes and attachments; nothing else changes.</summary>
public sealed class ConsoleRecordsRetentionTests
{
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:lawyer", ["Legal"]);
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ClosedRequestsPastThreeYears_AreAnonymised_OpenRecentAndHeldOnesAreNot_AndNoticesGo()
    {
        var (admin, app) = await MigratedDatabase.CreateAsync("retconsole");
        try
        {
            await using var database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
            await using var owner = new NpgsqlConnection(admin);
            await owner.OpenAsync();
            // (reference, state, closed months ago, subject user id)
            var requests = new (string Reference, string State, int? ClosedMonthsAgo, string User)[]
            {
                ("DSR-OLD-1", "Completed", 40, "u1"), ("DSR-OLD-2", "Denied", 37, "u2"), ("DSR-OLD-3", "Withdrawn", 48, "u3"),
                ("DSR-RECENT", "Completed", 30, "u4"), ("DSR-OPEN", "InReview", null, "u5"), ("DSR-HELD", "Completed", 50, "custodian-7"),
            };
            foreach (var r in requests)
            {
                var id = Guid.CreateVersion7();
                var received = Now.AddMonths(-(r.ClosedMonthsAgo ?? 1) - 1);
                await owner.ExecuteAsync("""
                    insert into gov.requests (id, reference, regime, type, state, channel, subject_email, subject_phone, subject_user_id, received_at, received_on, due_on, due_at, agent_name, staff_note)
                    values (@id, @Reference, 'ccpa', 'access', @State, 'email', @email, '+15550100', @User, @received, @day, @day, @received, 'Agent Smith', 'called back twice')
                    """, new { id, r.Reference, r.State, r.User, email = r.User + "@example.org", received, day = DateOnly.FromDateTime(received.UtcDateTime) });
                await owner.ExecuteAsync("insert into gov.request_notes (request_id, written_at, author_id, body) values (@id, @received, 'local:1', 'the person phoned')", new { id, received });
                await owner.ExecuteAsync("""
                    insert into gov.request_attachments (id, request_id, uploaded_at, uploaded_by, kind, file_name, content_type, size_bytes, sha256, protected)
                    values (@a, @id, @received, 'local:1', 'correspondence', 'letter.pdf', 'application/pdf', 3, '\x00', '\x01')
                    """, new { a = Guid.CreateVersion7(), id, received });
                await owner.ExecuteAsync("insert into gov.notices (recipient_id, request_id, kind, due_on, created_at) values ('local:1', @id, 'due-soon', current_date, @received)", new { id, received });
                if (r.ClosedMonthsAgo is { } months)
                {
                    await owner.ExecuteAsync("""
                        insert into gov.request_events (request_id, occurred_at, actor_id, action, from_state, to_state, reason) values (@id, @at, 'local:1', 'test', 'Processing', @State, 'closed')
                        """, new { id, at = Now.AddMonths(-months), r.State });
                }
            }

            var audit = new AuditLog(database, new AuditSealSignal());
            var holds = new LegalHolds(database, audit, TimeProvider.System);
            await holds.CreateAsync(new NewHold("Acme v. Example", [new HoldScope(HoldScopeKind.User, "custodian-7")], null, null, null), Lawyer, CancellationToken.None);
            var policies = Options.Create(new DataMapOptions { Directory = RepositoryFolders.Policies() });
            var purge = new RetentionPurge(database, new ChatStoreRegistry([]), new RetentionCatalog(policies, new DataMapCatalog(policies)), holds, audit,
                new RetentionOptions { BatchSize = 2 }, new FakeTimeProvider(Now));

            var runs = await purge.ScheduleAsync("closed-requests-three-years", AuditActor.Job("retention"), CancellationToken.None);
            var run = await purge.RunAsync(Assert.Single(runs), AuditActor.Job("retention"), CancellationToken.None);

            Assert.Equal(("done", 3L, 1L), (run!.State, run.RowsRemoved, run.RowsHeld));
            var anonymised = (await owner.QueryAsync<string>("""
                select reference from gov.requests where subject_email is null and subject_phone is null and subject_user_id = 'anonymised' and agent_name is null and staff_note is null and anonymised_at is not null
                """)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["DSR-OLD-1", "DSR-OLD-2", "DSR-OLD-3"], anonymised);
            Assert.Equal(3, await owner.ExecuteScalarAsync<long>("select count(*) from gov.requests r where anonymised_at is null and subject_email is not null and staff_note is not null"));
            Assert.Equal(["DSR-HELD", "DSR-OPEN", "DSR-RECENT"], (await owner.QueryAsync<string>(
                "select r.reference from gov.requests r where exists (select 1 from gov.request_notes n where n.request_id = r.id) and exists (select 1 from gov.request_attachments a where a.request_id = r.id)")).Order(StringComparer.Ordinal));
            // The figures stay: six requests, their types, states and dates.
            Assert.Equal(6, await owner.ExecuteScalarAsync<long>("select count(*) from gov.requests where type = 'access' and received_on is not null"));
            Assert.Equal(1, await owner.ExecuteScalarAsync<long>($"select count(*) from gov.audit_log where action = 'retention.purge' and target_id = '{run.Id}'"));

            var notices = await purge.RunAsync((await purge.ScheduleAsync("notices-one-year", AuditActor.Job("retention"), CancellationToken.None)).Single(), AuditActor.Job("retention"), CancellationToken.None);
            Assert.Equal(await owner.ExecuteScalarAsync<long>("select 6 - count(*) from gov.notices"), notices!.RowsRemoved);
            Assert.Equal(0, await owner.ExecuteScalarAsync<long>("select count(*) from gov.notices where created_at < @cutoff", new { cutoff = Now.AddYears(-1) }));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(admin);
        }
    }

    [Fact]
    public async Task RunKeysPastAYear_AreCleared_OnlyForFinishedRuns_AndAPendingBatchKeepsItsKeys()
    {
        var (admin, app) = await MigratedDatabase.CreateAsync("retkeys");
        try
        {
            await using var database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
            await using var owner = new NpgsqlConnection(admin);
            await owner.OpenAsync();
            // (run state, finished months ago, batch state): only the first two are past the rule's year and finished.
            var batches = new (string Run, int? FinishedMonthsAgo, string Batch)[]
            {
                ("done", 14, "committed"), ("failed", 13, "abandoned"), ("failed", 13, "pending"), ("done", 6, "committed"), ("running", null, "committed"),
            };
            foreach (var b in batches)
            {
                var id = Guid.CreateVersion7();
                await owner.ExecuteAsync("""
                    insert into gov.retention_runs (id, rule, store, region, collection, action, state, cutoff, created_by, finished_at)
                    values (@id, 'messages-two-years', 'eu', 'eu', 'messages', 'delete', @Run, @at, 'job:retention', @finished)
                    """, new { id, b.Run, at = Now.AddYears(-3), finished = b.FinishedMonthsAgo is { } m ? Now.AddMonths(-m) : (DateTimeOffset?)null });
                await owner.ExecuteAsync("insert into gov.retention_batches (run_id, seq, root_keys, state) values (@id, 1, '[101, 102, 103]', @Batch)", new { id, b.Batch });
            }

            var audit = new AuditLog(database, new AuditSealSignal());
            var policies = Options.Create(new DataMapOptions { Directory = RepositoryFolders.Policies() });
            var purge = new RetentionPurge(database, new ChatStoreRegistry([]), new RetentionCatalog(policies, new DataMapCatalog(policies)),
                new LegalHolds(database, audit, TimeProvider.System), audit, new RetentionOptions { BatchSize = 1 }, new FakeTimeProvider(Now));

            var run = await purge.RunAsync((await purge.ScheduleAsync("retention-run-keys-one-year", AuditActor.Job("retention"), CancellationToken.None)).Single(),
                AuditActor.Job("retention"), CancellationToken.None);

            Assert.Equal(("done", 2L), (run!.State, run.RowsRemoved));
            var left = (await owner.QueryAsync<(string Run, string Batch, string Keys)>("""
                select r.state, b.state, b.root_keys::text from gov.retention_batches b join gov.retention_runs r on r.id = b.run_id
                where r.rule = 'messages-two-years' order by r.finished_at nulls last, b.state
                """)).ToList();
            Assert.Equal(
                [("done", "committed", "[]"), ("failed", "abandoned", "[]"), ("failed", "pending", "[101, 102, 103]"), ("done", "committed", "[101, 102, 103]"), ("running", "committed", "[101, 102, 103]")],
                left);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(admin);
        }
    }
}
