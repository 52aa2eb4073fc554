using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Governance.Core.Audit;

/// <summary>One audit entry as stored, with the fields that its chain hash covers.</summary>
public sealed record AuditEntry(
    long Id,
    DateTimeOffset OccurredAt,
    string ActorType,
    string ActorId,
    string? ActorRoles,
    string Action,
    string? TargetType,
    string? TargetId,
    string? RequestId,
    string Outcome,
    string? ClientAddress,
    string Details);

/// <summary>
/// The canonical form of a chained entry and its SHA-256 (docs/audit.md spells it out so that an auditor can
/// recompute it with any tool, and shows the same in SQL). Each field is written as
/// <c>&lt;UTF-8 byte length&gt;:&lt;value&gt;;</c>, a null as <c>~;</c>, after the tag <c>gov-audit-v1;</c>.
/// </summary>
public static class AuditCanonical
{
    public const string Version = "gov-audit-v1";

    public static readonly byte[] Genesis = new byte[32];

    public static string Text(long seq, ReadOnlySpan<byte> prevHash, AuditEntry e)
    {
        var sb = new StringBuilder(256);
        sb.Append(Version).Append(';');
        Field(sb, seq.ToString(CultureInfo.InvariantCulture));
        Field(sb, Convert.ToHexStringLower(prevHash));
        Field(sb, e.Id.ToString(CultureInfo.InvariantCulture));
        Field(sb, Timestamp(e.OccurredAt));
        Field(sb, e.ActorType);
        Field(sb, e.ActorId);
        Field(sb, e.ActorRoles);
        Field(sb, e.Action);
        Field(sb, e.TargetType);
        Field(sb, e.TargetId);
        Field(sb, e.RequestId);
        Field(sb, e.Outcome);
        Field(sb, e.ClientAddress);
        Field(sb, e.Details);
        return sb.ToString();
    }

    public static byte[] Hash(long seq, ReadOnlySpan<byte> prevHash, AuditEntry e) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(Text(seq, prevHash, e)));

    /// <summary>UTC with microseconds, as PostgreSQL stores it: 2026-11-28T09:00:00.123456Z.</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static void Field(StringBuilder sb, string? value)
    {
        if (value is null)
        {
            sb.Append("~;");
            return;
        }

        sb.Append(Encoding.UTF8.GetByteCount(value).ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append(';');
    }
}
