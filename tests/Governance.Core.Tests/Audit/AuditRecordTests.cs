using Governance.Core.Audit;
using Governance.Tests.Support;

namespace Governance.Core.Tests.Audit;

public sealed class AuditRecordTests
{
    private static readonly AuditActor Someone = new(AuditActorType.User, "local:4", ["Legal"], "192.0.2.10");

    public static TheoryData<AuditRecord, string> BadRecords() => new()
    {
        { new AuditRecord(Someone, "Sign In", AuditOutcome.Success), "Action" },
        { new AuditRecord(Someone, "request.view", AuditOutcome.Success, "request", "jane.doe@example.com"), "TargetId" },
        { new AuditRecord(Someone with { Id = "Jane Doe" }, "request.view", AuditOutcome.Success), "Actor.Id" },
        { new AuditRecord(Someone with { ClientAddress = "not an ip" }, "request.view", AuditOutcome.Success), "Actor.ClientAddress" },
        { new AuditRecord(Someone, "request.view", AuditOutcome.Success, Details: new Dictionary<string, object?> { ["email"] = "jane@example.com" }), "Details" },
        { new AuditRecord(Someone, "request.view", AuditOutcome.Success, Details: new Dictionary<string, object?> { ["note"] = "called the customer back" }), "Details" },
        { new AuditRecord(Someone, "request.view", AuditOutcome.Success, Details: new Dictionary<string, object?> { ["bad key"] = 1 }), "Details" },
        { new AuditRecord(Someone, "request.view", AuditOutcome.Success, Details: new Dictionary<string, object?> { ["nested"] = new[] { new[] { 1 } } }), "Details" },
        { new AuditRecord(Someone, "request.view", AuditOutcome.Success, Details: new Dictionary<string, object?> { ["object"] = new object() }), "Details" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public async Task AppendAsync_PersonalDataOrMalformedField_IsRefusedNamingTheFieldAndWritesNothing(AuditRecord record, string field)
    {
        await using var world = await AuditWorld.CreateAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => world.Log.AppendAsync(record, CancellationToken.None));

        Assert.Equal(field, error.ParamName);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log"));
    }

    [Fact]
    public void DetailsJson_IdsNumbersDatesAndArrays_AreKeptInKeyOrder()
    {
        var record = new AuditRecord(Someone, "request.view", AuditOutcome.Success, Details: new Dictionary<string, object?>
        {
            ["zeta"] = 3,
            ["alpha"] = new[] { "req-1", "req-2" },
            ["when"] = new DateTimeOffset(2026, 1, 31, 23, 0, 0, TimeSpan.FromHours(1)),
            ["state"] = AuditOutcome.Denied,
        });

        Assert.Equal("{\"alpha\":[\"req-1\",\"req-2\"],\"state\":\"Denied\",\"when\":\"2026-01-31T22:00:00.000000Z\",\"zeta\":3}", record.DetailsJson());
    }
}
