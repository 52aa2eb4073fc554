using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Governance.Core.DataMap;

/// <summary>
/// Keyed pseudonyms: the same person (by their key in the store, whatever identity found them) always gets the same
/// value, which cannot be turned back without the key. A format shapes the value to fit its column: literal text
/// and <c>{hex:N}</c>, <c>{alnum:N}</c> (a-z0-9), <c>{digits:N}</c>; the default is <c>pseudonym-{hex:24}</c>.
/// Without a key of at least 32 bytes nothing that writes can be built: a preview gets clearly marked placeholders.
/// </summary>
public sealed partial class Pseudonyms
{
    public const string DefaultFormat = "pseudonym-{hex:24}";
    public const int MinimumKeyBytes = 32;

    private readonly byte[]? _key;

    private Pseudonyms(byte[]? key) => _key = key;

    /// <summary>Placeholders only: plans built with it can be printed and previewed, never executed.</summary>
    public static Pseudonyms Placeholder { get; } = new(null);

    public bool IsPlaceholder => _key is null;

    public static Pseudonyms FromKey(byte[] key) =>
        key.Length >= MinimumKeyBytes ? new Pseudonyms(key.ToArray()) : throw new InvalidOperationException($"DataMap:PseudonymKey must be at least {MinimumKeyBytes} bytes.");

    /// <summary>From <c>DataMap:PseudonymKey</c> (base64). Missing, not base64 or too short: an error naming the setting.</summary>
    public static Pseudonyms FromSetting(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            throw new InvalidOperationException($"DataMap:PseudonymKey is not set: nothing that writes pseudonyms can run. Set it to base64 of at least {MinimumKeyBytes} random bytes (outside files).");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("DataMap:PseudonymKey is not base64.");
        }

        return key.Length >= MinimumKeyBytes
            ? new Pseudonyms(key)
            : throw new InvalidOperationException($"DataMap:PseudonymKey is {key.Length} bytes; it must be at least {MinimumKeyBytes}.");
    }

    /// <summary>
    /// The erasure ledger's keyed hash of a person's key in a map: HMAC-SHA256 (hex) under a key derived from the
    /// pseudonym key for the ledger alone, so that a ledger entry names no one and matches only with the key.
    /// </summary>
    public string LedgerHash(string map, string subjectKey)
    {
        if (_key is null)
        {
            throw new InvalidOperationException("The erasure ledger needs DataMap:PseudonymKey.");
        }

        var ledgerKey = HMACSHA256.HashData(_key, "governance erasure ledger"u8);
        return Convert.ToHexStringLower(HMACSHA256.HashData(ledgerKey, Encoding.UTF8.GetBytes($"{map}\n{subjectKey}")));
    }

    /// <summary>The pseudonym of the person whose key in map <paramref name="map"/> is <paramref name="subjectKey"/>, in the given format.</summary>
    public string Make(string map, string subjectKey, string? format)
    {
        var tokens = Parse(format ?? DefaultFormat);
        var stream = new KeyStream(_key, $"{map}\n{subjectKey}");
        var sb = new StringBuilder();
        foreach (var t in tokens)
        {
            if (t.Alphabet is null)
            {
                sb.Append(t.Literal);
                continue;
            }

            for (var i = 0; i < t.Count; i++)
            {
                sb.Append(_key is null ? 'x' : t.Alphabet[stream.Next(t.Alphabet.Length)]);
            }
        }

        return sb.ToString();
    }

    public static bool IsValidFormat(string format) => Format().IsMatch(format) && Token().IsMatch(format);

    /// <summary>The length of every pseudonym of a format.</summary>
    public static int Length(string? format) => Parse(format ?? DefaultFormat).Sum(t => t.Alphabet is null ? t.Literal!.Length : t.Count);

    /// <summary>A format made only of <c>{digits:N}</c> fits an integer column.</summary>
    public static bool IsNumeric(string? format) => Parse(format ?? DefaultFormat) is var t && t.All(x => x.Alphabet == Digits);

    private const string Hex = "0123456789abcdef";
    private const string Alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string Digits = "0123456789";

    private sealed record FormatToken(string? Literal, string? Alphabet, int Count);

    private static List<FormatToken> Parse(string format)
    {
        if (!IsValidFormat(format))
        {
            throw new ArgumentException($"Pseudonym format '{format}' must be literal text and {{hex:N}}, {{alnum:N}} or {{digits:N}}.", nameof(format));
        }

        var tokens = new List<FormatToken>();
        var at = 0;
        foreach (Match m in Token().Matches(format))
        {
            if (m.Index > at)
            {
                tokens.Add(new FormatToken(format[at..m.Index], null, 0));
            }

            var alphabet = m.Groups["kind"].Value switch { "hex" => Hex, "alnum" => Alnum, _ => Digits };
            tokens.Add(new FormatToken(null, alphabet, int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)));
            at = m.Index + m.Length;
        }

        if (at < format.Length)
        {
            tokens.Add(new FormatToken(format[at..], null, 0));
        }

        return tokens;
    }

    /// <summary>HMAC-SHA256 in counter mode; draws are unbiased (rejection sampling).</summary>
    private sealed class KeyStream(byte[]? key, string context)
    {
        private byte[] _block = [];
        private int _at;
        private int _counter;

        public int Next(int size)
        {
            var limit = 256 - (256 % size);
            while (true)
            {
                if (_at >= _block.Length)
                {
                    _block = key is null ? new byte[32] : HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{context}\n{_counter++}"));
                    _at = 0;
                }

                var b = _block[_at++];
                if (b < limit)
                {
                    return b % size;
                }
            }
        }
    }

    [GeneratedRegex(@"^([A-Za-z0-9_.:@/+-]|\{(hex|alnum|digits):\d{1,2}\})+\z")]
    private static partial Regex Format();

    [GeneratedRegex(@"\{(?<kind>hex|alnum|digits):(?<n>\d{1,2})\}")]
    private static partial Regex Token();
}
