namespace Governance.Core.Validation;

/// <summary>What forms and API bodies send, made plain before it is checked.</summary>
public static class Input
{
    /// <summary>The text trimmed, or null when nothing but white space was given.</summary>
    public static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
