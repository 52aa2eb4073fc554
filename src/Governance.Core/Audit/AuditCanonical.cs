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

    /// <summary>SHA-256 of <see cref="Text"/> in UTF-8 (through <see cref="HashUtf8"/>, the verifier's own path).</summary>
    public static byte[] Hash(long seq, ReadOnlySpan<byte> prevHash, AuditEntry e)
    {
        string?[] texts = [e.ActorType, e.ActorId, e.ActorRoles, e.Action, e.TargetType, e.TargetId, e.RequestId, e.Outcome, e.ClientAddress, e.Details];
        return HashUtf8(seq, prevHash, e.Id, e.OccurredAt, texts.Select(t => t is null ? null : Encoding.UTF8.GetBytes(t)).ToArray());
    }

    /// <summary>
    /// The hash from the ten text fields' UTF-8 bytes as the database sends them (null for a null), in the canonical
    /// order, written straight into a buffer reused per thread: the verifier hashes millions of entries, and neither
    /// decodes a field into a string only to encode it back nor allocates a fresh buffer per entry (that cost more than
    /// the hashing).
    /// </summary>
    internal static byte[] HashUtf8(long seq, ReadOnlySpan<byte> prevHash, long id, DateTimeOffset occurredAt, ReadOnlySpan<byte[]?> texts)
    {
        var size = 256;
        foreach (var text in texts)
        {
            size += text is null ? 2 : text.Length + 12;
        }

        var buffer = scratch is { } kept && kept.Length >= size ? kept : scratch = new byte[Math.Max(4096, size)];
        var w = new Utf8Writer(buffer);
        w.Ascii(Version);
        w.Ascii(";");
        w.Number(seq);
        w.Hex(prevHash);
        w.Number(id);
        w.Timestamp(occurredAt);
        foreach (var text in texts)
        {
            w.Utf8(text);
        }

        return SHA256.HashData(buffer.AsSpan(0, w.Length));
    }

    [ThreadStatic]
    private static byte[]? scratch;

    /// <summary>Writes the canonical fields (<c>length:value;</c>, <c>~;</c> for null) into a buffer large enough for them.</summary>
    private struct Utf8Writer(byte[] buffer)
    {
        private int _at;

        public readonly int Length => _at;

        public void Ascii(string text) => _at += Encoding.ASCII.GetBytes(text, buffer.AsSpan(_at));

        public void Number(long value)
        {
            Span<byte> digits = stackalloc byte[20];
            value.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
            Field(digits[..n]);
        }

        public void Hex(ReadOnlySpan<byte> bytes)
        {
            Span<byte> hex = stackalloc byte[bytes.Length * 2];
            for (var i = 0; i < bytes.Length; i++)
            {
                hex[2 * i] = HexDigit(bytes[i] >> 4);
                hex[(2 * i) + 1] = HexDigit(bytes[i] & 0xF);
            }

            Field(hex);
        }

        public void Timestamp(DateTimeOffset value)
        {
            Span<byte> text = stackalloc byte[32];
            value.UtcDateTime.TryFormat(text, out var n, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
            Field(text[..n]);
        }

        public void Utf8(byte[]? value)
        {
            if (value is null)
            {
                buffer[_at++] = (byte)'~';
                buffer[_at++] = (byte)';';
                return;
            }

            Field(value);
        }

        private void Field(ReadOnlySpan<byte> utf8)
        {
            Prefix(utf8.Length);
            utf8.CopyTo(buffer.AsSpan(_at));
            _at += utf8.Length;
            buffer[_at++] = (byte)';';
        }

        private void Prefix(int length)
        {
            length.TryFormat(buffer.AsSpan(_at), out var n, default, CultureInfo.InvariantCulture);
            _at += n;
            buffer[_at++] = (byte)':';
        }

        private static byte HexDigit(int v) => (byte)(v < 10 ? '0' + v : 'a' + v - 10);
    }

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
