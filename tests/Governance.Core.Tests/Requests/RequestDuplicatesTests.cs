using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Tests.DataMap;
using Governance.Core.Tests.Demo;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

/// <summary>Other requests of the same person, found through what was typed in and through the accounts the store search found, on the demo stores.</summary>
public sealed class RequestDuplicatesTests(SeededStores stores, MigratedDatabase db) : IClassFixture<SeededStores>, IClassFixture<MigratedDatabase>
{
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:3", ["PrivacyOfficer"], "192.0.2.3");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero));

    private (RequestIntake Intake, RequestSearch Search, RequestDuplicates Duplicates, TransitionRequest Transition) Services()
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        var audit = new AuditLog(database, new AuditSealSignal());
        var maps = new DataMapCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));
        var regulations = Support.ShippedRegulations.Catalog();
        return (new RequestIntake(database, audit, regulations, _time), new RequestSearch(new FindPerson(stores.Registry, maps, audit), database, _time),
            new RequestDuplicates(database, audit, _time), new TransitionRequest(database, audit, _time, regulations));
    }

    private async Task<Guid> NewAsync(RequestIntake intake, string regime, string type, string? email, string? userId, DateTimeOffset? at = null) =>
        (await intake.SubmitAsync(new NewRequest(regime, type, email, null, userId, false, at ?? _time.GetUtcNow()), "email", Officer, null, null, CancellationToken.None)).Id;

    private async Task<(long Id, string Email)> DemoPersonAsync(int rank)
    {
        await using var connection = await stores.Registry.Get("eu").DataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(long, string)>("select id, email from users order by id offset @rank limit 1", new { rank });
    }

    [Fact]
    public async Task ARequestByEmail_AndOneByTheAccountsUserId_AreFoundAsTheSamePerson_OthersAreNot()
    {
        var (intake, search, duplicates, _) = Services();
        var (userId, email) = await DemoPersonAsync(10);
        var (_, otherEmail) = await DemoPersonAsync(11);
        var byEmail = await NewAsync(intake, "gdpr", "access", email.ToUpperInvariant(), null);
        await search.SearchAsync(byEmail, email.ToUpperInvariant(), null, null, Officer, CancellationToken.None); // finds the account in the eu store
        var byUserId = await NewAsync(intake, "gdpr", "portability", null, userId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var sameEmailOtherType = await NewAsync(intake, "gdpr", "erasure", email, null);
        var someoneElse = await NewAsync(intake, "gdpr", "access", otherEmail, null);

        var ofUserIdRequest = await duplicates.FindAsync(byUserId, CancellationToken.None);
        var ofEmailRequest = await duplicates.FindAsync(byEmail, CancellationToken.None);

        var found = Assert.Single(ofUserIdRequest.Related);
        Assert.Equal((byEmail, "account"), (found.Id, found.Match));
        Assert.Equal([byUserId], ofEmailRequest.Related.Select(r => r.Id));
        Assert.DoesNotContain(ofEmailRequest.Related, r => r.Id == sameEmailOtherType || r.Id == someoneElse);
        Assert.False(ofEmailRequest.BeyondTwoInTwelveMonths); // not CCPA

        // At intake, before the new request exists: the user id typed finds the request whose search found that account.
        var atIntake = await duplicates.ByIdentitiesAsync(null, null, userId.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
        Assert.Equal([(byEmail, "account"), (byUserId, "user-id")], atIntake.Select(r => (r.Id, r.Match)).OrderBy(r => r.Match));
        Assert.Empty(await duplicates.ByIdentitiesAsync(" ", null, null, CancellationToken.None));
    }

    [Fact]
    public async Task Ccpa_TheThirdRequestToKnowIn12Months_IsFlagged_NotTheSecond_AndOneOlderThan12MonthsDoesNotCount()
    {
        var (intake, _, duplicates, _) = Services();
        var email = $"{Guid.NewGuid():N}@example.org";
        await NewAsync(intake, "ccpa", "access", email, null, new DateTimeOffset(2025, 5, 1, 18, 0, 0, TimeSpan.Zero)); // more than 12 months before the second and the third
        var first = await NewAsync(intake, "ccpa", "access", email, null, new DateTimeOffset(2026, 1, 10, 18, 0, 0, TimeSpan.Zero));
        var second = await NewAsync(intake, "ccpa", "portability", email, null, new DateTimeOffset(2026, 6, 10, 18, 0, 0, TimeSpan.Zero));
        var third = await NewAsync(intake, "ccpa", "access", email, null);

        Assert.False((await duplicates.FindAsync(second, CancellationToken.None)).BeyondTwoInTwelveMonths);
        var repeats = await duplicates.FindAsync(third, CancellationToken.None);

        Assert.True(repeats.BeyondTwoInTwelveMonths);
        Assert.Equal([first, second], repeats.EarlierToKnow.Select(r => r.Id));
    }

    [Fact]
    public async Task Separate_NeedsAReason_AndTwoOfficersDecidingAtOnce_RecordItOnce()
    {
        var (intake, _, duplicates, _) = Services();
        var (_, _, other, _) = Services();
        var email = $"{Guid.NewGuid():N}@example.org";
        var a = await NewAsync(intake, "gdpr", "erasure", email, null);
        var b = await NewAsync(intake, "gdpr", "erasure", email, null);

        var refused = await Assert.ThrowsAsync<ValidationException>(() => duplicates.MarkSeparateAsync(b, a, " ", Officer, CancellationToken.None));
        Assert.Equal("reason", Assert.Single(refused.Errors).Key);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.request_separate where request_id = '{b}'"));

        await Task.WhenAll(
            duplicates.MarkSeparateAsync(b, a, "the second asks about a different account", Officer, CancellationToken.None),
            other.MarkSeparateAsync(b, a, "the second asks about a different account", Officer, CancellationToken.None));

        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.request_separate where request_id = '{b}'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.request_events where request_id = '{b}' and action = 'Separate'"));
        Assert.Contains(a, (await duplicates.FindAsync(b, CancellationToken.None)).Separate);
    }

    [Fact]
    public async Task CloseAsDuplicate_LinksTheOriginal_AndRefusesAnOriginalThatIsItselfADuplicate()
    {
        var (intake, _, _, transition) = Services();
        var email = $"{Guid.NewGuid():N}@example.org";
        var original = await NewAsync(intake, "pipl", "access", email, null);
        var repeat = await NewAsync(intake, "pipl", "access", email, null);
        var third = await NewAsync(intake, "pipl", "access", email, null);

        Assert.Equal(RequestState.Duplicate, await transition.ExecuteAsync(new TransitionCommand(repeat, RequestAction.CloseAsDuplicate, "same request sent twice", DuplicateOf: original), Officer, CancellationToken.None));
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            transition.ExecuteAsync(new TransitionCommand(third, RequestAction.CloseAsDuplicate, "again", DuplicateOf: repeat), Officer, CancellationToken.None));

        Assert.Equal("duplicateOf", Assert.Single(error.Errors).Key);
        Assert.Equal($"Duplicate|{original}", await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select state || '|' || duplicate_of from gov.requests where id = '{repeat}'"));
        Assert.Equal("Received", await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select state from gov.requests where id = '{third}'"));
    }
}
