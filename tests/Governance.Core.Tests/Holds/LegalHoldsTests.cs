using System.Diagnostics;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Holds;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Governance.Core.Tests.Holds;

public sealed class LegalHoldsTests(MigratedDatabase db, ITestOutputHelper output) : IClassFixture<MigratedDatabase>
{
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:5", ["Legal"], "192.0.2.5");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));

    private LegalHolds Holds()
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        return new LegalHolds(database, new AuditLog(database, new AuditSealSignal()), _time);
    }

    private static DateTimeOffset Day(int year, int month, int day) => new(year, month, day, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A unique id per test, so that holds of other tests in the class never match.</summary>
    private static string Id(string name) => $"{name}-{Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task Held_AnswersPerRow_ByUserConversationTenantStoreAndWindow()
    {
        var (alice, room, tenant, bob) = (Id("alice"), Id("room"), Id("tenant"), Id("bob"));
        var custodian = await Holds().CreateAsync(new NewHold("Smith v. Example", [new HoldScope(HoldScopeKind.User, alice, "eu")], null, null, null), Lawyer, CancellationToken.None);
        var conversation = await Holds().CreateAsync(new NewHold("Investigation 7", [new HoldScope(HoldScopeKind.Conversation, room)], Day(2025, 1, 1), Day(2026, 1, 1), null), Lawyer, CancellationToken.None);
        var wholeTenant = await Holds().CreateAsync(new NewHold("Regulator inquiry", [new HoldScope(HoldScopeKind.Tenant, tenant, "us")], null, null, new DateOnly(2027, 6, 30)), Lawyer, CancellationToken.None);

        HoldProbe[] rows =
        [
            new("eu", alice, null, null, Day(2020, 5, 5)),           // 0: custodian in eu
            new("us", alice, null, null, Day(2020, 5, 5)),           // 1: same id in another store: not the custodian
            new("cn", bob, room, null, Day(2025, 6, 1)),             // 2: conversation, inside the window, any store
            new("cn", bob, room, null, Day(2026, 2, 1)),             // 3: conversation, after the window
            new("us", bob, null, tenant, Day(2019, 1, 1)),           // 4: tenant in us
            new("eu", bob, null, tenant, Day(2019, 1, 1)),           // 5: tenant id in eu: not covered
            new("eu", alice, room, null, Day(2025, 3, 3)),           // 6: two holds at once
            new("eu", bob, null, null, null),                        // 7: nothing
        ];

        var held = await Holds().HeldAsync(rows, CancellationToken.None);

        Assert.Equal([0, 2, 4, 6], held.Keys.Order());
        Assert.Equal([custodian.Reference], held[0]);
        Assert.Equal([conversation.Reference], held[2]);
        Assert.Equal([wholeTenant.Reference], held[4]);
        Assert.Equal(new[] { custodian.Reference, conversation.Reference }.Order(StringComparer.Ordinal), held[6]);
    }

    [Fact]
    public async Task Release_StopsTheHold_KeepsItsHistory_AndIsAudited()
    {
        var carol = Id("carol");
        var hold = await Holds().CreateAsync(new NewHold("Closed matter", [new HoldScope(HoldScopeKind.User, carol)], null, null, null), Lawyer, CancellationToken.None);
        Assert.Single(await Holds().HeldAsync([new HoldProbe("eu", carol, null, null, null)], CancellationToken.None));

        await Holds().ReleaseAsync(hold.Id, "settled", Lawyer, CancellationToken.None);

        Assert.Empty(await Holds().HeldAsync([new HoldProbe("eu", carol, null, null, null)], CancellationToken.None));
        var released = (await Holds().GetAsync(hold.Id, CancellationToken.None))!;
        Assert.False(released.Active);
        Assert.Equal("settled", released.ReleaseReason);
        Assert.DoesNotContain(await Holds().ListAsync(includeReleased: false, CancellationToken.None), h => h.Id == hold.Id);
        Assert.Equal(["hold.create", "hold.release"], await AuditActionsAsync(hold.Id));
        await Assert.ThrowsAsync<ValidationException>(() => Holds().ReleaseAsync(hold.Id, "again", Lawyer, CancellationToken.None));
    }

    [Fact]
    public async Task Extend_AddsCustodiansAndMovesTheReviewLater_NeverNarrows()
    {
        var (dan, erin) = (Id("dan"), Id("erin"));
        var hold = await Holds().CreateAsync(new NewHold("Growing matter", [new HoldScope(HoldScopeKind.User, dan)], Day(2024, 1, 1), Day(2025, 1, 1), new DateOnly(2027, 1, 1)), Lawyer, CancellationToken.None);

        var extended = await Holds().ExtendAsync(hold.Id, [new HoldScope(HoldScopeKind.User, erin)], new DateOnly(2027, 6, 1), Day(2023, 1, 1), null, "new custodian named", Lawyer, CancellationToken.None);

        Assert.Equal(2, extended.Scope.Count);
        Assert.Equal(new DateOnly(2027, 6, 1), extended.ReviewOn);
        Assert.Equal(Day(2023, 1, 1), extended.WindowFrom);
        Assert.Single(await Holds().HeldAsync([new HoldProbe("us", erin, null, null, Day(2023, 6, 1))], CancellationToken.None));
        var earlierReview = await Assert.ThrowsAsync<ValidationException>(() => Holds().ExtendAsync(hold.Id, [], new DateOnly(2027, 2, 1), null, null, "oops", Lawyer, CancellationToken.None));
        Assert.Contains("reviewOn", earlierReview.Errors.Keys);
        var narrower = await Assert.ThrowsAsync<ValidationException>(() => Holds().ExtendAsync(hold.Id, [], null, null, Day(2024, 6, 1), "oops", Lawyer, CancellationToken.None));
        Assert.Contains("windowTo", narrower.Errors.Keys);
        Assert.Equal(["hold.create", "hold.extend"], await AuditActionsAsync(hold.Id));
    }

    [Theory]
    [InlineData("", "u1", "matter")]
    [InlineData("Matter", "", "scope")]
    [InlineData("Matter", "bad id; drop table", "scope")]
    public async Task Create_BadInput_IsRefusedByFieldAndWritesNothing(string matter, string user, string field)
    {
        var before = await TestPostgres.ScalarAsync<long>(db.ConnectionString, "select count(*) from gov.legal_holds");
        HoldScope[] scope = user == "" ? [] : [new HoldScope(HoldScopeKind.User, user)];

        var ex = await Assert.ThrowsAsync<ValidationException>(() => Holds().CreateAsync(new NewHold(matter, scope, null, null, null), Lawyer, CancellationToken.None));

        Assert.Contains(field, ex.Errors.Keys);
        Assert.Equal(before, await TestPostgres.ScalarAsync<long>(db.ConnectionString, "select count(*) from gov.legal_holds"));
    }

    [Fact]
    public async Task Create_WindowEndingBeforeItStarts_IsRefused()
    {
        var ex = await Assert.ThrowsAsync<ValidationException>(() => Holds().CreateAsync(
            new NewHold("Backwards", [new HoldScope(HoldScopeKind.User, "u1")], Day(2026, 1, 1), Day(2025, 1, 1), null), Lawyer, CancellationToken.None));

        Assert.Contains("windowTo", ex.Errors.Keys);
    }

    /// <summary>Prints what one batch check costs (erasure and retention ask per batch); the figure goes in the notes, nothing is timed as a pass mark.</summary>
    [Fact]
    public async Task Held_ABatchOf10000Rows_AgainstAThousandCustodians_FindsExactlyTheHeldOnes()
    {
        var prefix = Id("bulk");
        var custodians = Enumerable.Range(0, 1000).Select(i => new HoldScope(HoldScopeKind.User, $"{prefix}-{i * 10}")).ToList();
        await Holds().CreateAsync(new NewHold("Bulk matter", custodians, null, null, null), Lawyer, CancellationToken.None);
        var rows = Enumerable.Range(0, 10_000).Select(i => new HoldProbe("eu", $"{prefix}-{i}", null, null, Day(2026, 1, 1))).ToList();

        await Holds().HeldAsync(rows, CancellationToken.None);
        var watch = Stopwatch.StartNew();
        var held = await Holds().HeldAsync(rows, CancellationToken.None);
        watch.Stop();

        // Baseline in the same run: sending the same five arrays and unnesting them, with no hold logic at all.
        await using var connection = new NpgsqlConnection(db.AppConnectionString);
        await connection.OpenAsync();
        await using var bare = new NpgsqlCommand("select count(*) from unnest(@s::text[], @u::text[], @c::text[], @t::text[], @a::timestamptz[])", connection);
        bare.Parameters.AddWithValue("s", rows.Select(r => r.Store).ToArray());
        bare.Parameters.AddWithValue("u", rows.Select(r => r.UserId).ToArray());
        bare.Parameters.AddWithValue("c", rows.Select(r => (string?)null).ToArray());
        bare.Parameters.AddWithValue("t", rows.Select(r => (string?)null).ToArray());
        bare.Parameters.AddWithValue("a", rows.Select(r => r.CreatedAt!.Value.UtcDateTime).ToArray());
        await bare.ExecuteScalarAsync();
        var baseline = Stopwatch.StartNew();
        await bare.ExecuteScalarAsync();
        baseline.Stop();

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i * 10), held.Keys.Order());
        output.WriteLine($"hold check: 10,000 rows against 1,000 custodians in {watch.Elapsed.TotalMilliseconds:F1} ms; "
            + $"baseline (same arrays sent and unnested) {baseline.Elapsed.TotalMilliseconds:F1} ms; ratio {watch.Elapsed / baseline.Elapsed:F1}");
    }

    private async Task<List<string>> AuditActionsAsync(Guid holdId)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select action from gov.audit_log where target_type = 'legal-hold' and target_id = @id order by id", connection);
        command.Parameters.AddWithValue("id", holdId.ToString("D"));
        var actions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            actions.Add(reader.GetString(0));
        }

        return actions;
    }

    [Fact]
    public async Task Extend_TwoAtOnce_NeverNarrowTheWindowOrTheReviewDate()
    {
        var hold = await Holds().CreateAsync(new NewHold("Concurrent matter", [new HoldScope(HoldScopeKind.User, Id("dana"))], Day(2022, 1, 1), Day(2023, 1, 1),
            new DateOnly(2027, 1, 1)), Lawyer, CancellationToken.None);

        // A third session holds the row, so that both extensions have read it and wait to write, in a known order.
        await using var blocker = new NpgsqlConnection(db.ConnectionString);
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("select 1 from gov.legal_holds where id = @id for update", blocker, tx))
        {
            lockRow.Parameters.AddWithValue("id", hold.Id);
            await lockRow.ExecuteNonQueryAsync();
        }

        var wider = Holds().ExtendAsync(hold.Id, [], new DateOnly(2028, 1, 1), Day(2020, 1, 1), Day(2025, 1, 1), "widen a lot", Lawyer, CancellationToken.None);
        await WaitersAsync(1);
        var less = Holds().ExtendAsync(hold.Id, [], new DateOnly(2027, 6, 1), Day(2021, 1, 1), Day(2024, 1, 1), "widen a little", Lawyer, CancellationToken.None);
        await WaitersAsync(2);
        await tx.CommitAsync();
        await Task.WhenAll(wider, less);

        // The one that wrote last asked for less than what the first had written: the widest stays.
        var now = await Holds().GetAsync(hold.Id, CancellationToken.None);
        Assert.Equal((Day(2020, 1, 1), Day(2025, 1, 1), new DateOnly(2028, 1, 1)), (now!.WindowFrom, now.WindowTo, now.ReviewOn));
    }

    [Fact]
    public async Task Held_WindowBoundaries_StartIncluded_EndExcluded_AsDocsHoldsSays()
    {
        var room = Id("room");
        var from = Day(2025, 3, 1);
        var to = Day(2025, 4, 1);
        await Holds().CreateAsync(new NewHold("Window matter", [new HoldScope(HoldScopeKind.Conversation, room)], from, to, null), Lawyer, CancellationToken.None);
        var tick = TimeSpan.FromTicks(10); // a microsecond, PostgreSQL's resolution

        HoldProbe[] rows =
        [
            new("eu", "u", room, null, from - tick),   // 0: just before the start
            new("eu", "u", room, null, from),          // 1: at the start: held
            new("eu", "u", room, null, to - tick),     // 2: just before the end: held
            new("eu", "u", room, null, to),            // 3: at the end: not held
            new("eu", "u", room, null, null),          // 4: no creation time: held (it cannot be shown to be outside)
        ];

        var held = await Holds().HeldAsync(rows, CancellationToken.None);

        Assert.Equal([1, 2, 4], held.Keys.Order());
    }

    /// <summary>Waits until <paramref name="count"/> sessions wait for a row lock on the holds table.</summary>
    private async Task WaitersAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await TestPostgres.ScalarAsync<long>(db.ConnectionString,
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'update gov.legal_holds%'") < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{count} extensions never waited for the row");
            await Task.Delay(20);
        }
    }
}
