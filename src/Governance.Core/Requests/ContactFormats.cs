using System.Text.RegularExpressions;

namespace Governance.Core.Requests;

/// <summary>The accepted forms of a person's e-mail address and phone number, wherever they are typed in.</summary>
public static partial class ContactFormats
{
    public static bool IsEmail(string? value) => value is { Length: <= 254 } && Email().IsMatch(value.Trim());

    /// <summary>E.164: a plus, the country code and up to 15 digits, no spaces.</summary>
    public static bool IsPhone(string? value) => value is not null && Phone().IsMatch(value);

    [GeneratedRegex(@"^[^@\s""<>()\[\],;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z")]
    private static partial Regex Email();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}\z")]
    private static partial Regex Phone();
}

/// <summary>
/// Ids of people in chat systems take many shapes (<c>@alice:example.org</c>, 26 letters and digits, <c>U024BE7LH</c>,
/// <c>alice@example.org/phone</c>): any visible characters without spaces, bounded. They travel only as parameters.
/// </summary>
public static partial class ChatIds
{
    public const int MaxLength = 255;

    public static bool IsChatId(string? value) => value is { Length: > 0 and <= MaxLength } && Visible().IsMatch(value);

    [GeneratedRegex(@"^[\p{L}\p{N}\p{P}\p{S}]+\z")]
    private static partial Regex Visible();
}
