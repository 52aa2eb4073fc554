using System.Security.Cryptography;
using System.Text;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Tests.DataMap;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

/// <summary>Rectification: corrected values kept encrypted with the request, and a plan from the shipped data map.</summary>
public sealed class RequestCorrectionsTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:5", ["PrivacyOfficer"], "192.0.2.1");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    private (RequestIntake Intake, RequestCorrections Corrections) Services()
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        var audit = new AuditLog(database, new AuditSealSignal());
        var maps = new DataMapCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));
        return (new RequestIntake(database, audit, Support.ShippedRegulations.Catalog(), _time),
            new RequestCorrections(database, audit, new EphemeralDataProtectionProvider(), maps, _time));
    }

    [Fact]
    public async Task Corrections_AreStoredEncrypted_AuditedWithoutTheirValue_AndPlannedFieldByField()
    {
        var (intake, corrections) = Services();
        var id = (await intake.SubmitAsync(new NewRequest("ccpa", "rectification", $"{Guid.NewGuid():N}@example.org", null, null, false, null), "email", Officer, null, null, CancellationToken.None)).Id;

        await corrections.AddAsync(id, "users", "display_name", "Zhang Wei-Ming", Officer, CancellationToken.None);
        await corrections.AddAsync(id, "messages", "body", "I never wrote that", Officer, CancellationToken.None);
        await corrections.AddAsync(id, null, "my job title in the directory", "Head of Sales", Officer, CancellationToken.None);

        // At rest: not the value, but its SHA-256; the audit log names the field's collection only.
        var stored = await TestPostgres.ScalarAsync<string>(db.ConnectionString,
            $"select encode(sha256, 'hex') || '|' || (position(convert_to('Zhang', 'UTF8') in protected) > 0)::text from gov.request_corrections where request_id = '{id}' and field = 'display_name'");
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("Zhang Wei-Ming")))}|false", stored);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where request_id = '{id}' and details::text ilike '%zhang%'"));
        Assert.Equal(3, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where request_id = '{id}' and action = 'request.correction.add'"));

        var plan = await corrections.PlanAsync(id, [new PersonMatch("eu", "eu-west", ["42"], new Dictionary<string, long>(), null), new PersonMatch("cn", "cn-north", [], new Dictionary<string, long>(), null)],
            CancellationToken.None);

        var name = plan.Single(s => s.Correction.Field == "display_name");
        Assert.True(name.Updatable);
        Assert.Equal(("users", "display_name", "Zhang Wei-Ming"), (name.Table, name.Column, name.Correction.Value));
        Assert.Equal([("eu", "42")], name.Targets);
        Assert.Contains("supplementary statement", plan.Single(s => s.Correction.Field == "body").Why, StringComparison.Ordinal);
        Assert.Contains("no such field", plan.Single(s => s.Correction.Collection is null).Why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("users", "shoe_size", "42", "field")]
    [InlineData("users", "display_name", "", "value")]
    [InlineData(null, " ", "x", "field")]
    public async Task BadCorrection_IsRefusedOnItsField_AndNothingIsWritten(string? collection, string field, string value, string refusedField)
    {
        var (intake, corrections) = Services();
        var id = (await intake.SubmitAsync(new NewRequest("gdpr", "rectification", $"{Guid.NewGuid():N}@example.org", null, null, false, null), "email", Officer, null, null, CancellationToken.None)).Id;

        var error = await Assert.ThrowsAsync<ValidationException>(() => corrections.AddAsync(id, collection, field, value, Officer, CancellationToken.None));

        Assert.Equal(refusedField, Assert.Single(error.Errors).Key);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.request_corrections where request_id = '{id}'"));
    }
}
