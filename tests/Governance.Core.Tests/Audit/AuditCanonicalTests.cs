using System.Security.Cryptography;
using System.Text;
using Governance.Core.Audit;

namespace Governance.Core.Tests.Audit;

/// <summary>The fast hash writes exactly the canonical text that docs/audit.md spells out (and its SQL recipe recomputes).</summary>
public sealed class AuditCanonicalTests
{
    public static TheoryData<AuditEntry> Entries() => new()
    {
        new AuditEntry(1, new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero).AddTicks(1234560), "user", "local:1", "Legal", "request.transition", "request", "DSR-2026-000001", "DSR-2026-000001", "success", "192.0.2.1", "{\"state\": \"approved\"}"),
        new AuditEntry(9_223_372_036_854_775_807, new DateTimeOffset(2026, 1, 1, 23, 59, 59, TimeSpan.FromHours(8)), "system", "system:cli", null, "audit.verify", null, null, null, "failure", null, "{}"),
        new AuditEntry(42, DateTimeOffset.UnixEpoch, "user", "oidc:张伟", "隐私官", "hold.create", "legal-hold", "LH-1", null, "success", "2001:db8::1", "{\"matter\": \"调查 🔍\"}"),
        new AuditEntry(7, new DateTimeOffset(2030, 6, 15, 12, 30, 0, TimeSpan.Zero), "user", "local:2", null, "audit.export", null, null, null, "success", null, "{\"n\": \"" + new string('x', 9_000) + "\"}"),
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void Hash_IsTheSha256OfTheCanonicalTextInUtf8(AuditEntry entry)
    {
        var prev = SHA256.HashData(Encoding.UTF8.GetBytes("previous"));

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(AuditCanonical.Text(17, prev, entry)));

        Assert.Equal(expected, AuditCanonical.Hash(17, prev, entry));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void HashOfTheFieldsUtf8Bytes_IsTheSameHash(AuditEntry entry)
    {
        var prev = SHA256.HashData(Encoding.UTF8.GetBytes("previous"));
        string?[] fields = [entry.ActorType, entry.ActorId, entry.ActorRoles, entry.Action, entry.TargetType, entry.TargetId, entry.RequestId, entry.Outcome, entry.ClientAddress, entry.Details];
        var utf8 = fields.Select(f => f is null ? null : Encoding.UTF8.GetBytes(f)).ToArray();

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(AuditCanonical.Text(17, prev, entry)));

        Assert.Equal(expected, AuditCanonical.HashUtf8(17, prev, entry.Id, entry.OccurredAt, utf8));
    }
}
