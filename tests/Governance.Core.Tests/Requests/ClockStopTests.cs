using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Requests;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

/// <summary>Stopping and restarting a request's legal clock against the real store; refusals write nothing.</summary>
public sealed class ClockStopTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 2, 2, 9, 0, 0, TimeSpan.Zero));
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:5", ["PrivacyOfficer"], "192.0.2.1");

    private (RequestIntake Intake, TransitionRequest Transition, RequestList List) Services()
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        var audit = new AuditLog(database, new AuditSealSignal());
        var regulations = Support.ShippedRegulations.Catalog();
        return (new RequestIntake(database, audit, regulations, _time), new TransitionRequest(database, audit, _time, regulations), new RequestList(database, _time));
    }

    private static async Task<Guid> NewAsync(RequestIntake intake, string regime, DateTimeOffset receivedAt) =>
        (await intake.SubmitAsync(new NewRequest(regime, "access", $"{Guid.NewGuid():N}@example.org", null, null, false, receivedAt), "email", Officer, null, null, CancellationToken.None)).Id;

    private Task<string> Sql(string sql) => TestPostgres.ScalarAsync<string>(db.ConnectionString, sql);

    [Fact]
    public async Task StopAndRestart_MovesTheDueDate_KeepsItsHistory_AndTheRequestIsNeverOverdueWhileStopped()
    {
        var (intake, transition, list) = Services();
        var id = await NewAsync(intake, "gdpr", new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero)); // due Monday 2 March (28 February is a Saturday)
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "asked for a copy of the ID"), Officer, CancellationToken.None);

        Assert.Equal(RequestState.ClockStopped, await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StopClock, "asked for the account e-mail's confirmation",
            PauseReason: "identity-information", On: new DateOnly(2026, 2, 2)), Officer, CancellationToken.None));

        // Months later, still waiting: not overdue, not due soon, while the stored due date has passed.
        _time.SetUtcNow(new DateTimeOffset(2026, 3, 20, 9, 0, 0, TimeSpan.Zero));
        Assert.DoesNotContain((await list.PageAsync(new RequestFilter(OverdueOnly: true), RequestSort.DueSoonest, 0, 200, CancellationToken.None)).Rows, i => i.Id == id);
        Assert.DoesNotContain((await list.PageAsync(new RequestFilter(DueWithinDays: 7), RequestSort.DueSoonest, 0, 200, CancellationToken.None)).Rows, i => i.Id == id);

        Assert.Equal(RequestState.Verifying, await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.RestartClock, "the confirmation arrived",
            On: new DateOnly(2026, 3, 16)), Officer, CancellationToken.None));

        // 3 February to 16 March: 42 days off the clock. 28 February + 42 days = Saturday 11 April -> Monday 13 April.
        Assert.Equal("2026-04-13|42|", await Sql($"select due_on::text || '|' || stopped_days || '|' || coalesce(clock_stopped_on::text, '') from gov.requests where id = '{id}'"));
        Assert.Equal("identity-information|2026-02-02|2026-03-02|2026-03-16|2026-04-13|local:5",
            await Sql($"select reason || '|' || stopped_on || '|' || due_before || '|' || restarted_on || '|' || due_after || '|' || restarted_by from gov.request_clock_stops where request_id = '{id}'"));
        Assert.Equal("2026-04-13", await Sql($"select details->>'newDueDate' from gov.audit_log where request_id = '{id}' and details->>'action' = 'RestartClock'"));
        Assert.DoesNotContain((await list.PageAsync(new RequestFilter(OverdueOnly: true), RequestSort.DueSoonest, 0, 200, CancellationToken.None)).Rows, i => i.Id == id);
    }

    [Fact]
    public async Task StopUnderCcpa_IsRefusedOnTheReasonField_AndWritesNothing()
    {
        var (intake, transition, _) = Services();
        var id = await NewAsync(intake, "ccpa", new DateTimeOffset(2026, 1, 30, 18, 0, 0, TimeSpan.Zero));
        var events = await Sql($"select count(*)::text from gov.request_events where request_id = '{id}'");

        var error = await Assert.ThrowsAsync<ValidationException>(() => transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StopClock, "waiting for the ID",
            PauseReason: "identity-information", On: new DateOnly(2026, 2, 1)), Officer, CancellationToken.None));

        Assert.Equal("pauseReason", Assert.Single(error.Errors).Key);
        Assert.Equal("Received|0|0", await Sql($"select state || '|' || (select count(*) from gov.request_clock_stops where request_id = '{id}') || '|' || stopped_days from gov.requests where id = '{id}'"));
        Assert.Equal(events, await Sql($"select count(*)::text from gov.request_events where request_id = '{id}'"));
    }

    [Fact]
    public async Task TwoOfficersStoppingTheSameClockAtOnce_OneStopIsRecorded()
    {
        var (intake, transition, _) = Services();
        var (_, other, _) = Services();
        var id = await NewAsync(intake, "pipl", new DateTimeOffset(2026, 1, 30, 2, 0, 0, TimeSpan.Zero));
        var command = new TransitionCommand(id, RequestAction.StopClock, "asked for the ID card", PauseReason: "identity-information", On: new DateOnly(2026, 2, 2));

        var results = await Task.WhenAll(Try(transition), Try(other));

        Assert.Equal(1, results.Count(ok => ok));
        Assert.Equal("1", await Sql($"select count(*)::text from gov.request_clock_stops where request_id = '{id}'"));

        async Task<bool> Try(TransitionRequest t)
        {
            try
            {
                await t.ExecuteAsync(command, Officer, CancellationToken.None);
                return true;
            }
            catch (InvalidTransitionException)
            {
                return false; // the second finds the clock stopped already
            }
        }
    }
}
