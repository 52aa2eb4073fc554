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

public sealed class RequestListTests
{
    [Fact]
    public async Task PageAsync_FiltersSortsAndFlagsOverdue_AndRefusesBadInput()
    {
        var (admin, app) = await MigratedDatabase.CreateAsync("list");
        try
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
            var database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
            var audit = new AuditLog(database, new AuditSealSignal());
            var intake = new RequestIntake(database, audit, new RegulationsCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() })), time);
            var actor = AuditActor.System("test");
            var old = await intake.SubmitAsync(new NewRequest("gdpr", "access", "a@example.org", null, null, false, new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero)), "email", actor, null, null, CancellationToken.None);
            var fresh = await intake.SubmitAsync(new NewRequest("ccpa", "erasure", null, "+15551234567", null, false, new DateTimeOffset(2026, 2, 27, 9, 0, 0, TimeSpan.Zero)), "api", actor, null, null, CancellationToken.None);
            var middle = await intake.SubmitAsync(new NewRequest("gdpr", "erasure", "b@example.org", null, null, false, new DateTimeOffset(2026, 2, 20, 9, 0, 0, TimeSpan.Zero)), "letter", actor, null, null, CancellationToken.None);
            var list = new RequestList(database, time);

            var all = await list.PageAsync(new RequestFilter(), RequestSort.DueSoonest, 0, 50, CancellationToken.None);
            var overdue = await list.PageAsync(new RequestFilter(OverdueOnly: true), RequestSort.DueSoonest, 0, 50, CancellationToken.None);
            var erasures = await list.PageAsync(new RequestFilter(Type: "erasure"), RequestSort.NewestFirst, 0, 50, CancellationToken.None);

            Assert.Equal(3, all.Total);
            Assert.Equal(old.Id, all.Rows[0].Id); // due 5 Feb, the soonest
            Assert.Equal([old.Id], overdue.Rows.Select(r => r.Id));
            Assert.True(overdue.Rows[0].Overdue);
            Assert.Equal(fresh.Id, erasures.Rows[0].Id);
            Assert.Equal(2, erasures.Total);
            // Due soon: open requests due within N days, the overdue included (middle is due 20 March, fresh 13 April).
            Assert.Equal([old.Id], (await list.PageAsync(new RequestFilter(DueWithinDays: 7), RequestSort.DueSoonest, 0, 50, CancellationToken.None)).Rows.Select(r => r.Id));
            Assert.Equal([old.Id, middle.Id], (await list.PageAsync(new RequestFilter(DueWithinDays: 19), RequestSort.DueSoonest, 0, 50, CancellationToken.None)).Rows.Select(r => r.Id));
            await Assert.ThrowsAsync<ValidationException>(() => list.PageAsync(new RequestFilter(DueWithinDays: -1), RequestSort.DueSoonest, 0, 50, CancellationToken.None));
            await Assert.ThrowsAsync<ValidationException>(() => list.PageAsync(new RequestFilter(State: "Sleeping"), RequestSort.DueSoonest, 0, 50, CancellationToken.None));
            await Assert.ThrowsAsync<ValidationException>(() => list.PageAsync(new RequestFilter(), RequestSort.DueSoonest, 0, 1_000, CancellationToken.None));
            await database.DisposeAsync();
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(admin);
        }
    }
}
