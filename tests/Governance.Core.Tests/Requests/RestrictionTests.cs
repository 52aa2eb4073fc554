using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Holds;
using Governance.Core.Requests;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

/// <summary>Restriction (GDPR Art. 18) and objection (Art. 21) requests carried out as flags on the person's accounts, read by the chat system and respected by erasure and retention.</summary>
public sealed class RestrictionTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:7", ["Legal"], "192.0.2.1");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    private (RequestIntake Intake, TransitionRequest Transition, Restrictions Restrictions, LegalHolds Holds) Services()
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        var audit = new AuditLog(database, new AuditSealSignal());
        var regulations = Support.ShippedRegulations.Catalog();
        return (new RequestIntake(database, audit, regulations, _time), new TransitionRequest(database, audit, _time, regulations), new Restrictions(database, audit, _time),
            new LegalHolds(database, audit, _time));
    }

    /// <summary>An approved request of this type whose store search found user 41 and 42 in the eu store.</summary>
    private async Task<Guid> ApprovedAsync(RequestIntake intake, TransitionRequest transition, string type, bool searched = true)
    {
        var id = (await intake.SubmitAsync(new NewRequest("gdpr", type, $"{Guid.NewGuid():N}@example.org", null, null, false, null), "email", Lawyer, null, null, CancellationToken.None)).Id;
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "code sent"), Lawyer, CancellationToken.None);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Verify, "code matched", VerificationMethod: "email-code"), Lawyer, CancellationToken.None);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Approve, "accuracy contested"), Lawyer, CancellationToken.None);
        if (searched)
        {
            await TestPostgres.ScalarAsync<int>(db.ConnectionString, $$"""
                insert into gov.request_searches (request_id, searched_at, searched_by, results)
                values ('{{id}}', now(), 'local:7', '[{"store":"eu","region":"eu-west","personIds":["41","42"],"rowsByCollection":{},"problem":null}]'::jsonb) returning 1
                """);
        }

        return id;
    }

    [Fact]
    public async Task ApplyRestriction_FlagsTheAccounts_HoldsTheirData_AndLiftingReleasesIt_WithTheFeedFollowing()
    {
        var (intake, transition, restrictions, holds) = Services();
        var id = await ApprovedAsync(intake, transition, "restriction");
        _time.Advance(TimeSpan.FromMinutes(1)); // after the other tests' flags
        var before = _time.GetUtcNow();

        Assert.Equal(RequestState.Restricted, await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.ApplyRestriction, "while accuracy is checked"), Lawyer, CancellationToken.None));

        // Erasure and retention ask the holds: the accounts in eu are held now, the same ids in another store are not.
        var held = await holds.HeldAsync([new HoldProbe("eu", "41", null, null, null), new HoldProbe("eu", "42", null, null, null), new HoldProbe("cn", "41", null, null, null)], CancellationToken.None);
        Assert.Equal([0, 1], held.Keys.Order());
        var feed = await restrictions.ChangedSinceAsync(before, CancellationToken.None);
        var flag = Assert.Single(feed.Flags);
        Assert.True(flag.InForce);
        Assert.Equal(["eu/41", "eu/42"], flag.Accounts.Select(a => $"{a.Store}/{a.UserId}").Order());
        Assert.Equal(held[0].Single(), flag.HoldReference);

        // Art. 18(3): the person is told before the restriction is lifted; without the day, nothing changes.
        var refused = await Assert.ThrowsAsync<ValidationException>(() => restrictions.LiftAsync(id, "accuracy confirmed", null, Lawyer, CancellationToken.None));
        Assert.Equal("personToldOn", Assert.Single(refused.Errors).Key);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.restrictions where request_id = '{id}' and lifted_at is not null"));

        _time.Advance(TimeSpan.FromDays(3));
        await restrictions.LiftAsync(id, "accuracy confirmed", new DateOnly(2026, 3, 4), Lawyer, CancellationToken.None);

        Assert.Empty(await holds.HeldAsync([new HoldProbe("eu", "41", null, null, null)], CancellationToken.None));
        var lifted = Assert.Single((await restrictions.ChangedSinceAsync(feed.Next!.Value.AddTicks(1), CancellationToken.None)).Flags);
        Assert.False(lifted.InForce);
        Assert.Equal(new DateOnly(2026, 3, 4), lifted.PersonToldOn);
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where request_id = '{id}' and action = 'restriction.lift'"));
    }

    [Fact]
    public async Task UpholdObjection_FlagsTheAccounts_WithoutHoldingTheirData()
    {
        var (intake, transition, restrictions, _) = Services();
        var id = await ApprovedAsync(intake, transition, "objection");

        Assert.Equal(RequestState.ObjectionUpheld, await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.UpholdObjection, "no compelling grounds"), Lawyer, CancellationToken.None));

        var flag = await restrictions.ForRequestAsync(id, CancellationToken.None);
        Assert.Equal(("objection", (string?)null, 2), (flag!.Kind, flag.HoldReference, flag.Accounts.Count));
    }

    [Fact]
    public async Task ApplyRestriction_OnAnotherType_OrWithoutAccounts_IsRefused_AndWritesNothing()
    {
        var (intake, transition, _, _) = Services();
        var access = await ApprovedAsync(intake, transition, "access");
        var unsearched = await ApprovedAsync(intake, transition, "restriction", searched: false);

        await Assert.ThrowsAsync<InvalidTransitionException>(() => transition.ExecuteAsync(new TransitionCommand(access, RequestAction.ApplyRestriction, "x"), Lawyer, CancellationToken.None));
        var error = await Assert.ThrowsAsync<ValidationException>(() => transition.ExecuteAsync(new TransitionCommand(unsearched, RequestAction.ApplyRestriction, "x"), Lawyer, CancellationToken.None));

        Assert.Equal("accounts", Assert.Single(error.Errors).Key);
        Assert.Equal("Approved|Approved|0", await TestPostgres.ScalarAsync<string>(db.ConnectionString,
            $"select (select state from gov.requests where id = '{access}') || '|' || (select state from gov.requests where id = '{unsearched}') || '|' || (select count(*) from gov.restrictions where request_id in ('{access}', '{unsearched}'))"));
    }
}
