using System.Text;
using Governance.Core.Audit;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Governance.Core.Tests.Audit;

public sealed class AuditQueryTests
{
    [Theory]
    [InlineData("x' or '1'='1", null, null, "ActorId")]
    [InlineData(null, "auth.sign-in; drop table gov.audit_log", null, "Action")]
    [InlineData(null, null, "maybe", "Outcome")]
    public void Problems_MetacharactersOrUnknownValues_AreNamedByField(string? actor, string? action, string? outcome, string field)
    {
        var problems = new AuditFilter(ActorId: actor, Action: action, Outcome: outcome).Problems();

        Assert.Equal([field], problems.Keys);
    }

    [Fact]
    public void Problems_PeriodEndingBeforeItStarts_IsNamed()
    {
        var from = new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(["To"], new AuditFilter(From: from, To: from.AddDays(-1)).Problems().Keys);
    }

    [Fact]
    public async Task PageAsync_PageSizeBeyondTheLimit_IsRefused()
    {
        await using var world = await AuditWorld.CreateAsync();

        var error = await Assert.ThrowsAsync<ValidationException>(() => new AuditQuery(world.Database).PageAsync(new AuditFilter(), AuditSort.NewestFirst, 0, 5_000, CancellationToken.None));

        Assert.Equal(["pageSize"], error.Errors.Keys);
    }

    [Fact]
    public async Task PageAsync_EachFilter_ReturnsExactlyTheMatchingEntriesInOrder()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var world = await AuditWorld.CreateAsync(time);
        for (var i = 1; i <= 60; i++)
        {
            time.Advance(TimeSpan.FromHours(1));
            await world.AppendAtAsync(AuditWorld.Record(i, i % 3 == 0 ? "hold.create" : "request.transition", i % 10 == 0 ? AuditOutcome.Denied : AuditOutcome.Success), time.GetUtcNow());
        }

        await world.SealEverythingAsync();
        var query = new AuditQuery(world.Database);

        var byActor = await query.PageAsync(new AuditFilter(ActorId: "local:3"), AuditSort.NewestFirst, 0, 200, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 60).Where(i => i % 7 == 3).Reverse().Select(i => $"req-{i}"), byActor.Rows.Select(r => r.TargetId));

        var byAction = await query.PageAsync(new AuditFilter(Action: "hold.create", Outcome: "denied"), AuditSort.OldestFirst, 0, 200, CancellationToken.None);
        Assert.Equal(["req-30", "req-60"], byAction.Rows.Select(r => r.TargetId));

        var byRequest = await query.PageAsync(new AuditFilter(RequestId: "req-42"), AuditSort.NewestFirst, 0, 200, CancellationToken.None);
        Assert.Equal(42, Assert.Single(byRequest.Rows).Position);

        var start = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var byTime = await query.PageAsync(new AuditFilter(From: start.AddHours(10), To: start.AddHours(15)), AuditSort.OldestFirst, 0, 200, CancellationToken.None);
        Assert.Equal(["req-10", "req-11", "req-12", "req-13", "req-14"], byTime.Rows.Select(r => r.TargetId));

        var second = await query.PageAsync(new AuditFilter(), AuditSort.OldestFirst, 20, 20, CancellationToken.None);
        Assert.Equal((60L, false), (second.Total, second.TotalIsLowerBound));
        Assert.Equal(Enumerable.Range(21, 20).Select(i => $"req-{i}"), second.Rows.Select(r => r.TargetId));
        Assert.All(second.Rows, r => Assert.Equal(64, r.Hash!.Length));
    }

    [Fact]
    public async Task ExportCsvAsync_MatchesTheFilter_IsParseable_AndIsAudited()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(40);
        var query = new AuditQuery(world.Database);
        var review = new ReviewAuditLog(query, world.Log);
        var filter = new AuditFilter(ActorId: "local:2");
        var reader = new AuditActor(AuditActorType.User, "local:99", ["Auditor"], "192.0.2.7");

        using var buffer = new MemoryStream();
        var written = await review.ExportCsvAsync(reader, filter, AuditSort.OldestFirst, buffer, CancellationToken.None);

        var lines = Encoding.UTF8.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var expected = (await query.PageAsync(filter, AuditSort.OldestFirst, 0, 200, CancellationToken.None)).Rows;
        Assert.Equal(expected.Count, written);
        Assert.Equal(expected.Count + 1, lines.Length);
        Assert.StartsWith("entry_id,position,occurred_at,actor_type,actor_id", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.Contains(",local:2,", l, StringComparison.Ordinal));
        Assert.Equal(expected.Select(r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin,
            "select count(*) from gov.audit_log where action = 'audit.export' and actor_id = 'local:99' and details ->> 'actorId' = 'local:2'"));
    }

    [Theory]
    [InlineData("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("{\"step\": 1}", "\"{\"\"step\"\": 1}\"")]
    public void Csv_QuotesAndDefusesFormulas(string value, string expected) => Assert.Equal(expected, AuditQuery.Csv(value));
}

public sealed class AlertRuleTests
{
    [Fact]
    public async Task EvaluateAsync_FailuresAboveThresholdInWindow_RaiseOneAlertPerSubject_UntilResolved()
    {
        // The entries carry the server's time: the evaluator's clock starts at the present and moves on from there.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var world = await AuditWorld.CreateAsync(time);
        var options = Options.Create(new AlertOptions
        {
            Rules =
            [
                new AlertRule { Name = "sign-in-failures", Action = "auth.sign-in", Outcome = "failure", WindowMinutes = 15, Threshold = 3 },
                new AlertRule { Name = "downloads", Action = "export.download", PerActor = true, WindowMinutes = 1440, Threshold = 2, Severity = "critical" },
            ],
        });
        var evaluator = new AlertEvaluator(world.Database, world.Alerts, options, time);
        var anonymous = new AuditActor(AuditActorType.User, "anonymous", [], "203.0.113.9");
        for (var i = 0; i < 3; i++)
        {
            await world.Log.AppendAsync(new AuditRecord(anonymous, "auth.sign-in", AuditOutcome.Failure), CancellationToken.None);
        }

        for (var i = 0; i < 3; i++)
        {
            await world.Log.AppendAsync(new AuditRecord(new AuditActor(AuditActorType.User, "local:5", ["Legal"]), "export.download", AuditOutcome.Success, "export", $"exp-{i}"), CancellationToken.None);
        }

        await world.Log.AppendAsync(new AuditRecord(new AuditActor(AuditActorType.User, "local:6", ["Legal"]), "export.download", AuditOutcome.Success, "export", "exp-9"), CancellationToken.None);

        Assert.Equal(1, await evaluator.EvaluateAsync(CancellationToken.None)); // three failures is not more than three; one person downloaded three

        await world.Log.AppendAsync(new AuditRecord(anonymous, "auth.sign-in", AuditOutcome.Failure), CancellationToken.None);
        Assert.Equal(1, await evaluator.EvaluateAsync(CancellationToken.None));
        Assert.Equal(0, await evaluator.EvaluateAsync(CancellationToken.None)); // no repeat while open

        var open = await world.Alerts.OpenAsync(10, CancellationToken.None);
        Assert.Equal(["downloads:local:5", "sign-in-failures:"], open.Select(a => $"{a.Rule}:{a.Subject}").Order());

        time.Advance(TimeSpan.FromMinutes(16));
        var failures = open.Single(a => a.Rule == "sign-in-failures");
        Assert.True(await world.Alerts.ResolveAsync(failures.Id, "Checked: a forgotten password, not an attack.", new AuditActor(AuditActorType.User, "local:1", ["Admin"]), CancellationToken.None));
        Assert.Equal(0, await evaluator.EvaluateAsync(CancellationToken.None)); // the failures are out of the window now

        Assert.Equal(2, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log where action = 'alert.raise'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log where action = 'alert.resolve' and actor_id = 'local:1'"));
    }

    [Fact]
    public async Task EvaluateAsync_NoVerificationFor26Hours_RaisesOneCriticalAlert_AFreshOneRaisesNothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var world = await AuditWorld.CreateAsync(time);
        var evaluator = new AlertEvaluator(world.Database, world.Alerts, Options.Create(new AlertOptions()), time);
        var job = AuditActor.Job("verify-audit-chain");
        await world.Log.AppendAsync(new AuditRecord(job, "audit.verify", AuditOutcome.Success), CancellationToken.None);
        time.SetUtcNow(DateTimeOffset.UtcNow.AddSeconds(1)); // just after the entry's (server) time

        time.Advance(TimeSpan.FromHours(25));
        Assert.Equal(0, await evaluator.EvaluateAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromHours(2)); // 27 hours since the last verification: the daily job did not run
        Assert.Equal(1, await evaluator.EvaluateAsync(CancellationToken.None));
        Assert.Equal(0, await evaluator.EvaluateAsync(CancellationToken.None)); // one open alert, not one every five minutes

        var alert = (await world.Alerts.OpenAsync(10, CancellationToken.None)).Single();
        Assert.Equal(("audit-verification-overdue", "critical"), (alert.Rule, alert.Severity));
        Assert.Contains("27 hours", alert.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_ByThePersonTheAlertIsAbout_IsRefused_AnotherMayResolveIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));
        await using var world = await AuditWorld.CreateAsync(time);
        await world.Alerts.RaiseAsync("downloads", "warning", "downloads: 30 by local:5", "local:5", AuditActor.Job("alerts"), CancellationToken.None);
        var alert = (await world.Alerts.OpenAsync(10, CancellationToken.None)).Single();

        var refused = await Assert.ThrowsAsync<Governance.Core.Validation.ValidationException>(() =>
            world.Alerts.ResolveAsync(alert.Id, "Mine to close.", new AuditActor(AuditActorType.User, "local:5", ["Admin"]), CancellationToken.None));

        Assert.Equal(["alert"], refused.Errors.Keys);
        Assert.Single(await world.Alerts.OpenAsync(10, CancellationToken.None));
        Assert.True(await world.Alerts.ResolveAsync(alert.Id, "The downloads were the quarterly export, agreed with legal.", new AuditActor(AuditActorType.User, "local:1", ["Admin"]), CancellationToken.None));
        Assert.Equal("The downloads were the quarterly export, agreed with legal.|local:1", await TestPostgres.ScalarAsync<string>(world.Admin,
            $"select resolution_reason || '|' || resolved_by from gov.alerts where id = {alert.Id}"));
    }

    [Theory]
    [InlineData("Auditor", "Looked at it.", "alert")]
    [InlineData("Legal", "Looked at it.", "alert")]
    [InlineData("PrivacyOfficer", "  ", "reason")]
    public async Task ResolveAsync_ByARoleThatReviewsOrWithoutAReason_IsRefused_AndTheAlertStaysOpen(string role, string reason, string field)
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.Alerts.RaiseAsync("audit-chain-broken", "critical", "The audit chain is broken at position 7.", null, AuditActor.Job("verify-audit-chain"), CancellationToken.None);
        var alert = (await world.Alerts.OpenAsync(10, CancellationToken.None)).Single();

        var refused = await Assert.ThrowsAsync<Governance.Core.Validation.ValidationException>(() =>
            world.Alerts.ResolveAsync(alert.Id, reason, new AuditActor(AuditActorType.User, "local:2", [role]), CancellationToken.None));

        Assert.Equal([field], refused.Errors.Keys);
        Assert.Single(await world.Alerts.OpenAsync(10, CancellationToken.None));
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log where action = 'alert.resolve'"));
    }
}
