using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Requests;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

/// <summary>A reasonable fee for a manifestly unfounded or excessive request, where the law allows one (GDPR Art. 12(5)(a); CCPA § 1798.145(h)(3); not PIPL).</summary>
public sealed class RequestFeeTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:7", ["Legal"], "192.0.2.1");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    private async Task<(RequestWork Work, Guid Id)> RequestAsync(string regime)
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        var audit = new AuditLog(database, new AuditSealSignal());
        var intake = new RequestIntake(database, audit, Support.ShippedRegulations.Catalog(), _time);
        var id = (await intake.SubmitAsync(new NewRequest(regime, "access", $"{Guid.NewGuid():N}@example.org", null, null, false, null), "email", Lawyer, null, null, CancellationToken.None)).Id;
        return (new RequestWork(database, audit, _time), id);
    }

    [Fact]
    public async Task Fee_UnderGdpr_IsRecordedWithItsReasons_OnTheTimelineAndInTheAuditLog()
    {
        var (work, id) = await RequestAsync("gdpr");

        await work.AskFeeAsync(id, Support.ShippedRegulations.Catalog().Find("gdpr"), 25m, "EUR", "the fourth copy of the same data this month (Art. 15(3))", Lawyer, CancellationToken.None);

        Assert.Equal("25.00|EUR", await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select fee_amount::text || '|' || fee_currency from gov.requests where id = '{id}'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.request_events where request_id = '{id}' and action = 'Fee'"));
        Assert.Equal("25|EUR", await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select (details->>'amount') || '|' || (details->>'currency') from gov.audit_log where request_id = '{id}' and action = 'request.fee'"));
    }

    [Theory]
    [InlineData("pipl", 10, "CNY", "repeated", "fee")]
    [InlineData("gdpr", 0, "EUR", "repeated", "amount")]
    [InlineData("ccpa", 10, "dollars", "repeated", "currency")]
    [InlineData("ccpa", 10, "USD", " ", "reason")]
    public async Task Fee_WhereTheLawAllowsNone_OrBadlyGiven_IsRefusedOnItsField_AndNothingIsWritten(string regime, int amount, string currency, string reason, string field)
    {
        var (work, id) = await RequestAsync(regime);

        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            work.AskFeeAsync(id, Support.ShippedRegulations.Catalog().Find(regime), amount, currency, reason, Lawyer, CancellationToken.None));

        Assert.Equal(field, Assert.Single(error.Errors).Key);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.requests where id = '{id}' and fee_amount is not null"));
    }
}
