using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Tests.DataMap;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

public sealed class TransitionRequestTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 31, 9, 0, 0, TimeSpan.Zero));
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:7", ["Legal"], "192.0.2.1");

    private (RequestIntake Intake, TransitionRequest Transition) Services()
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        var audit = new AuditLog(database, new AuditSealSignal());
        var regulations = new RegulationsCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));
        return (new RequestIntake(database, audit, regulations, _time), new TransitionRequest(database, audit, _time, Support.ShippedRegulations.Catalog()));
    }

    private async Task<Guid> NewRequestAsync(RequestIntake intake) =>
        (await intake.SubmitAsync(new NewRequest("gdpr", "erasure", "person@example.org", null, null, false, null), "email", Lawyer, null, null, CancellationToken.None)).Id;

    private Task<string> StateAsync(Guid id) => TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select state from gov.requests where id = '{id}'");

    [Fact]
    public async Task Workflow_ReceivedToCompleted_RecordsEachStepInTheTimelineAndTheAuditLog()
    {
        var (intake, transition) = Services();
        var id = await NewRequestAsync(intake);

        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "asked for the e-mail code"), Lawyer, CancellationToken.None);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Verify, "code matched", VerificationMethod: "email-code"), Lawyer, CancellationToken.None);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Approve, "no exemption applies"), Lawyer, CancellationToken.None);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartProcessing, "erasure job queued"), Lawyer, CancellationToken.None);
        var final = await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Complete, "erasure verified"), Lawyer, CancellationToken.None);

        Assert.Equal(RequestState.Completed, final);
        var timeline = await transition.TimelineAsync(id, CancellationToken.None);
        Assert.Equal(["Received>Verifying", "Verifying>InReview", "InReview>Approved", "Approved>Processing", "Processing>Completed"], timeline.Select(e => $"{e.From}>{e.To}"));
        Assert.Equal("email-code", await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select verification_method from gov.requests where id = '{id}'"));
        Assert.Equal(5, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where action = 'request.transition' and request_id = '{id}'"));
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(db.ConnectionString, "select count(*) from gov.audit_log where details::text like '%code matched%'"));
    }

    [Fact]
    public async Task Approve_BeforeVerification_IsRefusedAndWritesNothing()
    {
        var (intake, transition) = Services();
        var id = await NewRequestAsync(intake);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "started"), Lawyer, CancellationToken.None);

        var auditBefore = await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where request_id = '{id}'");

        await Assert.ThrowsAsync<InvalidTransitionException>(() => transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Approve, "hurry"), Lawyer, CancellationToken.None));

        Assert.Equal("Verifying", await StateAsync(id));
        Assert.Single(await transition.TimelineAsync(id, CancellationToken.None));
        Assert.Equal(auditBefore, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where request_id = '{id}'"));
    }

    [Fact]
    public async Task Extend_Once_RecordsTheNewDueDate_ASecondTimeIsRefused()
    {
        var (intake, transition) = Services();
        var id = await NewRequestAsync(intake);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "started"), Lawyer, CancellationToken.None);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Verify, "signed in", VerificationMethod: "signed-in"), Lawyer, CancellationToken.None);

        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Extend, "numerous requests", NewDueDate: new DateOnly(2026, 4, 30), PersonToldOn: new DateOnly(2026, 2, 10)), Lawyer, CancellationToken.None);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Verify, "back to review", VerificationMethod: "signed-in"), Lawyer, CancellationToken.None);

        Assert.Equal("2026-04-30", await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select extended_due_on::text from gov.requests where id = '{id}'"));
        var again = await Assert.ThrowsAsync<InvalidTransitionException>(() => transition.ExecuteAsync(
            new TransitionCommand(id, RequestAction.Extend, "more", NewDueDate: new DateOnly(2026, 5, 30), PersonToldOn: new DateOnly(2026, 2, 11)), Lawyer, CancellationToken.None));
        Assert.Contains("once", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HoldAndResume_ReturnsToTheStateItWasIn_DenyNeedsALegalBasis()
    {
        var (intake, transition) = Services();
        var id = await NewRequestAsync(intake);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "started"), Lawyer, CancellationToken.None);

        Assert.Equal(RequestState.OnHold, await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Hold, "litigation hold on the person"), Lawyer, CancellationToken.None));
        Assert.Equal(RequestState.Verifying, await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Resume, "hold released"), Lawyer, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<ValidationException>(() => transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Deny, "no", LegalBasis: "GDPR Art. 12(6)"), Lawyer, CancellationToken.None));
        Assert.Equal("denialReason", Assert.Single(refused.Errors).Key);
        Assert.Equal("Verifying", await StateAsync(id)); // nothing written
        Assert.Equal(RequestState.Denied, await transition.ExecuteAsync(
            new TransitionCommand(id, RequestAction.Deny, "identity could not be verified", DenialReason: "unverifiable"), Lawyer, CancellationToken.None));
        // The provision the law gives for the reason (GDPR Art. 11(2), 12(2) and (6)), and the reason's code for the metrics.
        Assert.Equal("GDPR Art. 11(2) and Art. 12(2) and (6) | unverifiable",
            await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select legal_basis || ' | ' || denial_reason from gov.requests where id = '{id}'"));
    }

    [Fact]
    public async Task Verify_WithoutAKnownMethod_IsRefused()
    {
        var (intake, transition) = Services();
        var id = await NewRequestAsync(intake);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "started"), Lawyer, CancellationToken.None);

        var auditBefore = await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where request_id = '{id}'");

        await Assert.ThrowsAsync<ValidationException>(() => transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Verify, "trust me", VerificationMethod: "vibes"), Lawyer, CancellationToken.None));
        Assert.Equal("Verifying", await StateAsync(id));
        Assert.Equal(auditBefore, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where request_id = '{id}'"));
    }
}
