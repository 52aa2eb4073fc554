using System.Globalization;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.DataMap;
using Governance.Core.Holds;
using Governance.Core.Retention;
using Governance.Core.Tests.Erasure;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Retention;

/// <summary>
/// The purge on a seeded reference store against an oracle written here: the rows that must go (past the age of the
/// rule that governs them, by the documented precedence) and the rows that must stay (younger, held by a custodian or
/// conversation hold, or with a held custodian's reaction, file or receipt); dependants and files with their messages.
/// </summary>
public sealed class RetentionPurgeTests
{
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:officer", ["PrivacyOfficer"]);
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:lawyer", ["Legal"]);

    private sealed record Message(long Id, DateTime At, long Conversation, string Kind, long Sender);

    private static string Rule(string name, int days, string extra = "", bool approval = false) =>
        $"  - name: {name}\n    collection: messages\n    store: eu\n{extra}    age: P{days}D\n    action: delete\n    schedule: \"0 2 * * *\"\n    approval: {(approval ? "true" : "false")}\n    why: test\n";

    [Fact]
    public async Task Purge_RemovesExactlyWhatIsPastItsRuleAndNotHeld_WithDependantsAndFiles_AndRecordsIt()
    {
        await using var world = await ErasureWorld.CreateAsync("retpurge");
        var eu = world.StoreConnections["eu"];
        var messages = await ReadAsync<Message>(eu, "select m.id, m.created_at at time zone 'UTC' as at, m.conversation_id as conversation, c.kind, m.sender_id as sender from messages m join conversations c on c.id = m.conversation_id");
        var now = new DateTimeOffset(messages.Max(m => m.At).Date.AddDays(1), TimeSpan.Zero);
        var span = (int)(now.UtcDateTime - messages.Min(m => m.At)).TotalDays;
        var (defaultDays, directDays) = (span / 2, span / 4);

        // A custodian hold on the busiest sender, a conversation hold on a group conversation.
        var custodian = messages.GroupBy(m => m.Sender).OrderByDescending(g => g.Count()).First().Key;
        var heldConversation = messages.Where(m => m.Kind == "group" && m.Sender != custodian).GroupBy(m => m.Conversation).OrderByDescending(g => g.Count()).First().Key;
        await world.Holds.CreateAsync(new NewHold("Custodian", [new HoldScope(HoldScopeKind.User, Text(custodian), "eu")], null, null, null), Lawyer, CancellationToken.None);
        await world.Holds.CreateAsync(new NewHold("Room", [new HoldScope(HoldScopeKind.Conversation, Text(heldConversation))], null, null, null), Lawyer, CancellationToken.None);

        var reactedByCustodian = (await ReadAsync<long>(eu, $"select distinct message_id from reactions where user_id = {custodian}")).ToHashSet();
        var uploadedByCustodian = (await ReadAsync<long>(eu, $"select distinct message_id from attachments where uploader_id = {custodian}")).ToHashSet();
        var readByCustodian = (await ReadAsync<long>(eu, $"select distinct last_read_message_id from read_receipts where user_id = {custodian} and last_read_message_id is not null")).ToHashSet();
        var files = await ReadAsync<(long Message, string Path)>(eu, "select message_id, blob_path from attachments");
        Assert.All(files, f => Assert.True(File.Exists(Path.Combine(world.Blobs, "eu", f.Path)), "seeded files exist"));

        // The oracle: the governing rule by the documented precedence, its cutoff, then what a hold keeps.
        bool Past(Message m) => m.At < now.UtcDateTime.AddDays(-(m.Kind == "direct" ? directDays : defaultDays));
        bool Kept(Message m) => m.Sender == custodian || m.Conversation == heldConversation
            || reactedByCustodian.Contains(m.Id) || uploadedByCustodian.Contains(m.Id) || readByCustodian.Contains(m.Id);
        var mustGo = messages.Where(m => Past(m) && !Kept(m)).Select(m => m.Id).ToHashSet();
        var mustStay = messages.Where(m => !mustGo.Contains(m.Id)).Select(m => m.Id).ToHashSet();
        Assert.True(mustGo.Count > 100, $"the seeded data gives {mustGo.Count} rows to purge");
        Assert.Contains(messages, m => Past(m) && Kept(m) && m.Sender != custodian && m.Conversation != heldConversation); // kept only for a held dependant

        var setup = new RetentionSetup(world, Path.Combine(world.Blobs, "policies"), new FakeTimeProvider(now));
        setup.Rules(Rule("default", defaultDays) + Rule("direct", directDays, "    conversation_kind: direct\n"));
        var purge = setup.Purge();
        var run = await purge.RunAsync(Assert.Single(await purge.ScheduleAsync("default", AuditActor.Job("retention"), CancellationToken.None)), AuditActor.Job("retention"), CancellationToken.None);
        var direct = await purge.RunAsync(Assert.Single(await purge.ScheduleAsync("direct", AuditActor.Job("retention"), CancellationToken.None)), AuditActor.Job("retention"), CancellationToken.None);

        Assert.NotNull(run);
        Assert.Equal(("done", "done"), (run.State, direct!.State));
        var left = (await ReadAsync<long>(eu, "select id from messages")).ToHashSet();
        Assert.Empty(mustGo.Intersect(left));
        Assert.True(mustStay.SetEquals(left.Intersect(mustStay)) && left.SetEquals(mustStay), "exactly the rows that must stay are left");
        Assert.Equal(0, await Scalar(eu, "select count(*) from attachments a where not exists (select 1 from messages m where m.id = a.message_id)"));
        Assert.Equal(0, await Scalar(eu, "select count(*) from reactions r where not exists (select 1 from messages m where m.id = r.message_id)"));
        Assert.Equal(0, await Scalar(eu, "select count(*) from messages r where r.reply_to_id is not null and not exists (select 1 from messages m where m.id = r.reply_to_id)"));
        Assert.All(files.Where(f => mustGo.Contains(f.Message)), f => Assert.False(File.Exists(Path.Combine(world.Blobs, "eu", f.Path)), "a purged message's file goes"));
        Assert.All(files.Where(f => mustStay.Contains(f.Message)), f => Assert.True(File.Exists(Path.Combine(world.Blobs, "eu", f.Path)), "a kept message's file stays"));

        // The record: counts that match the oracle, one audit entry.
        var goneByDefault = messages.Where(m => mustGo.Contains(m.Id) && m.Kind != "direct").Select(m => m.Id).ToHashSet();
        Assert.Equal(goneByDefault.Count, run.RowsRemoved);
        Assert.Equal(goneByDefault.Count, run.Collections["messages"]);
        Assert.Equal(mustGo.Count - goneByDefault.Count, direct.RowsRemoved);
        Assert.Equal(files.Count(f => goneByDefault.Contains(f.Message)), run.FilesRemoved);
        Assert.Equal(messages.Count(m => Past(m) && m.Kind != "direct" && (m.Sender == custodian || m.Conversation == heldConversation)), run.RowsHeld);
        Assert.True(run.Batches > 3, $"{run.Batches} batches");
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin, $"select count(*) from gov.audit_log where action = 'retention.purge' and target_id = '{run.Id}'"));

        // Run again: nothing more goes (the direct rule's rows were not this rule's).
        var again = await purge.RunAsync((await purge.ScheduleAsync("default", AuditActor.Job("retention"), CancellationToken.None))[0], AuditActor.Job("retention"), CancellationToken.None);
        Assert.Equal(0, again!.RowsRemoved);
    }

    [Fact]
    public async Task ARuleThatNeedsApproval_DeletesNothingBeforeAPrivacyOfficerApproves_AndARejectedRunNever()
    {
        await using var world = await ErasureWorld.CreateAsync("retapprove");
        var eu = world.StoreConnections["eu"];
        var newest = await TestPostgres.ScalarAsync<DateTime>(eu, "select max(created_at) at time zone 'UTC' from messages");
        var now = new DateTimeOffset(newest.Date.AddDays(1), TimeSpan.Zero);
        var setup = new RetentionSetup(world, Path.Combine(world.Blobs, "policies"), new FakeTimeProvider(now));
        setup.Rules(Rule("approved-each-time", 30, approval: true));
        var purge = setup.Purge();
        var before = await Scalar(eu, "select count(*) from messages");
        var due = await Scalar(eu, $"select count(*) from messages where created_at < timestamptz '{now.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00' - interval '30 days'");
        Assert.True(due > 0);

        var auditor = new AuditActor(AuditActorType.User, "local:auditor", ["Auditor"]);
        Assert.Equal("rule", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => purge.ScheduleAsync("approved-each-time", auditor, CancellationToken.None))).Errors.Keys));
        var first = Assert.Single(await purge.ScheduleAsync("approved-each-time", AuditActor.Job("retention"), CancellationToken.None));
        var waiting = (await purge.RunsAsync("id = @id", new { id = first }, CancellationToken.None)).Single();
        Assert.Equal("awaiting-approval", waiting.State);
        Assert.Contains($"\"due\": {due},", waiting.Preview!, StringComparison.Ordinal); // the preview the approval is made on

        Assert.Equal("run", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => purge.RunAsync(first, AuditActor.Job("retention"), CancellationToken.None))).Errors.Keys));
        Assert.Equal("run", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => purge.DecideAsync(first, true, "ok", Lawyer, CancellationToken.None))).Errors.Keys));
        Assert.Equal("reason", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => purge.DecideAsync(first, true, " ", Officer, CancellationToken.None))).Errors.Keys));
        Assert.Equal(before, await Scalar(eu, "select count(*) from messages"));

        await purge.DecideAsync(first, true, "Checked against records schedule RS-4", Officer, CancellationToken.None);
        var done = await purge.RunAsync(first, AuditActor.Job("retention"), CancellationToken.None);
        Assert.Equal(("done", due), (done!.State, done.RowsRemoved));
        Assert.Equal(before - due, await Scalar(eu, "select count(*) from messages"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin, $"select count(*) from gov.audit_log where action = 'retention.approve' and actor_id = 'local:officer' and target_id = '{first}'"));

        var second = Assert.Single(await purge.ScheduleAsync("approved-each-time", AuditActor.Job("retention"), CancellationToken.None));
        await purge.DecideAsync(second, false, "Litigation expected: keep for now", Officer, CancellationToken.None);
        await Assert.ThrowsAsync<ValidationException>(() => purge.RunAsync(second, AuditActor.Job("retention"), CancellationToken.None));
    }

    [Fact]
    public async Task TwoWorkers_NeverRunTheSameRuleInAStoreAtOnce()
    {
        await using var world = await ErasureWorld.CreateAsync("rettwo");
        var eu = world.StoreConnections["eu"];
        var newest = await TestPostgres.ScalarAsync<DateTime>(eu, "select max(created_at) at time zone 'UTC' from messages");
        var now = new DateTimeOffset(newest.Date.AddDays(1), TimeSpan.Zero);
        var setup = new RetentionSetup(world, Path.Combine(world.Blobs, "policies"), new FakeTimeProvider(now));
        setup.Rules(Rule("default", 30));
        var due = await Scalar(eu, $"select count(*) from messages where created_at < timestamptz '{now.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00' - interval '30 days'");
        var run = Assert.Single(await setup.Purge().ScheduleAsync("default", AuditActor.Job("retention"), CancellationToken.None));

        // Another worker holds the rule: this one does nothing and says so.
        await using (var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(world.App) { Pooling = false }.ConnectionString)) // closed, not pooled: its lock goes with it
        {
            await other.OpenAsync();
            Assert.True(await other.ExecuteScalarAsync<bool>("select pg_try_advisory_lock(hashtextextended('gov.retention:default:eu', 0))"));
            Assert.Null(await setup.Purge().RunAsync(run, AuditActor.Job("retention"), CancellationToken.None));
            Assert.Equal(0, (await setup.Purge().RunsAsync("id = @run", new { run }, CancellationToken.None)).Single().RowsRemoved);
        }

        // Two at once, each on its own connections: the rows go once, one audit entry, counts that add up.
        var results = await Task.WhenAll(
            Task.Run(() => setup.Purge().RunAsync(run, AuditActor.Job("worker-1"), CancellationToken.None)),
            Task.Run(() => setup.Purge().RunAsync(run, AuditActor.Job("worker-2"), CancellationToken.None)));
        Assert.Contains(results, r => r is { State: "done" });
        var final = (await setup.Purge().RunsAsync("id = @run", new { run }, CancellationToken.None)).Single();
        Assert.Equal(due, final.RowsRemoved);
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin, $"select count(*) from gov.audit_log where action = 'retention.purge' and target_id = '{run}'"));
    }

    private static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static async Task<long> Scalar(string cs, string sql) => await TestPostgres.ScalarAsync<long>(cs, sql);

    private static async Task<List<T>> ReadAsync<T>(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        return (await c.QueryAsync<T>(sql)).ToList();
    }
}
