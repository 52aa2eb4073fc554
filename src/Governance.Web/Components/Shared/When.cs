using System.Globalization;
using Governance.Web.Localization;

namespace Governance.Web.Components.Shared;

/// <summary>
/// The one way the console writes dates and times: ISO dates, 24-hour times, the zone named ("2026-03-20 14:05 UTC"),
/// the same in every language (a date an auditor copies into a report must not depend on who looked at it).
/// </summary>
public static class When
{
    public static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The UTC day of a moment.</summary>
    public static string Date(DateTimeOffset at) => Date(DateOnly.FromDateTime(at.UtcDateTime));

    public static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    public static string Utc(DateTimeOffset? at) => at is { } a ? Utc(a) : Text.Get("never");

    /// <summary>
    /// The reader's culture with ISO dates, for date pickers: they show and read "2026-03-20" in every language (a
    /// browser's own date input would switch to its locale's order, 03/20/2026 in the United States).
    /// </summary>
    public static CultureInfo IsoCulture => IsoCultures.GetOrAdd(CultureInfo.CurrentCulture.Name, _ =>
    {
        var culture = (CultureInfo)CultureInfo.CurrentCulture.Clone();
        culture.DateTimeFormat.ShortDatePattern = "yyyy-MM-dd";
        culture.DateTimeFormat.DateSeparator = "-";
        return CultureInfo.ReadOnly(culture);
    });

    /// <summary>One per language, made once (every date field of every render asked for a fresh clone).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CultureInfo> IsoCultures = new(StringComparer.Ordinal);

    /// <summary>A day as a chart's tick writes it ("03-20").</summary>
    public static string Tick(DateOnly day) => day.ToString("MM-dd", CultureInfo.InvariantCulture);
}
