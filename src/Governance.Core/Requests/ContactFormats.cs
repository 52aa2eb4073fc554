using System.Text.RegularExpressions;

namespace Governance.Core.Requests;

/// <summary>The accepted forms of a person's e-mail address and phone number, wherever they are typed in.</summary>
public static partial class ContactFormats
{
    public static bool IsEmail(string? value) => value is { Length: <= 254 } && Email().IsMatch(value.Trim());

    /// <summary>E.164: a plus, the country code and up to 15 digits, no spaces.</summary>
    public static bool IsPhone(string? value) => value is not null && Phone().IsMatch(value);

    [GeneratedRegex(@"^[^@\s""<>()\[\],;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")]
    private static partial Regex Email();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex Phone();
}
