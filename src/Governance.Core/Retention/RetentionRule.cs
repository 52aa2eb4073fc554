using System.Globalization;
using System.Text.RegularExpressions;
using Governance.Core.DataMap;

namespace Governance.Core.Retention;

/// <summary>What a rule does to the rows past their age.</summary>
public enum RetentionAction
{
    /// <summary>Delete the rows, with their dependants and files.</summary>
    Delete,

    /// <summary>Keep the rows but strip their personal fields as the data map's erasure says.</summary>
    Anonymise,

    /// <summary>Write the rows to a protected export first, then delete them.</summary>
    ArchiveThenDelete,
}

/// <summary>
/// How far a rule's scope reaches, from the broadest to the narrowest; the narrowest rule that matches a row governs
/// it (docs/retention.md): a conversation's rule overrides its kind's, which overrides a tenant's, which overrides the
/// store's default (a rule naming a store or region overrides one for every store at the same level).
/// </summary>
public enum RetentionLevel
{
    Store = 1,
    Tenant = 2,
    ConversationKind = 3,
    Conversation = 4,
}

/// <summary>
/// An ISO 8601 duration (<c>P2Y</c>, <c>P18M</c>, <c>P30D</c>, <c>P1Y6M</c>, <c>PT12H</c>), kept in its calendar parts so
/// that "two years" is two calendar years back from the moment of the run, not 730 days.
/// </summary>
public sealed partial record RetentionAge(int Years, int Months, int Weeks, int Days, int Hours, int Minutes, string Text)
{
    [GeneratedRegex(@"^P(?:(?<y>\d{1,4})Y)?(?:(?<mo>\d{1,5})M)?(?:(?<w>\d{1,5})W)?(?:(?<d>\d{1,6})D)?(?:T(?:(?<h>\d{1,7})H)?(?:(?<mi>\d{1,9})M)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses an age; null with the reason when it is not a positive ISO 8601 duration.</summary>
    public static RetentionAge? Parse(string text, out string? problem)
    {
        problem = null;
        var m = Pattern().Match(text);
        if (text.StartsWith('-') || text.Contains("P-", StringComparison.Ordinal))
        {
            problem = $"'{text}' is negative: an age is how long rows are kept, at least one hour.";
            return null;
        }

        if (!m.Success || text is "P" or "PT" || text.EndsWith('T'))
        {
            problem = $"'{text}' is not an ISO 8601 duration such as P2Y, P18M, P90D or PT12H (whole numbers; seconds are not used).";
            return null;
        }

        int Part(string name) => m.Groups[name].Success ? int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        var age = new RetentionAge(Part("y"), Part("mo"), Part("w"), Part("d"), Part("h"), Part("mi"), text);
        if (age.Years == 0 && age.Months == 0 && age.Weeks == 0 && age.Days == 0 && age.Hours == 0)
        {
            problem = $"'{text}' is shorter than an hour: rows would be removed as they arrive.";
            return null;
        }

        return age;
    }

    /// <summary>The moment before which rows are past this age, counted back from <paramref name="now"/> in calendar units.</summary>
    public DateTimeOffset CutoffFrom(DateTimeOffset now) =>
        now.ToUniversalTime().AddYears(-Years).AddMonths(-Months).AddDays(-(7 * Weeks) - Days).AddHours(-Hours).AddMinutes(-Minutes);

    /// <summary>The age in words.</summary>
    public string Words
    {
        get
        {
            var parts = new List<string>();
            void Add(int n, string unit)
            {
                if (n > 0)
                {
                    parts.Add($"{n} {unit}{(n == 1 ? "" : "s")}");
                }
            }

            Add(Years, "year");
            Add(Months, "month");
            Add(Weeks, "week");
            Add(Days, "day");
            Add(Hours, "hour");
            Add(Minutes, "minute");
            return string.Join(", ", parts);
        }
    }
}

/// <summary>One retention rule as its policy file states it.</summary>
/// <param name="Store">The chat store it is limited to, or null.</param>
/// <param name="Region">The region it is limited to (every store of it), or null; at most one of store and region.</param>
public sealed record RetentionRule(
    string Name,
    string Map,
    string Collection,
    string? Store,
    string? Region,
    string? Tenant,
    string? ConversationKind,
    string? Conversation,
    RetentionAge Age,
    RetentionAction Action,
    string Schedule,
    bool NeedsApproval,
    string Why,
    SourceLocation Where)
{
    public RetentionLevel Level => Conversation is not null ? RetentionLevel.Conversation
        : ConversationKind is not null ? RetentionLevel.ConversationKind
        : Tenant is not null ? RetentionLevel.Tenant
        : RetentionLevel.Store;

    /// <summary>Narrower first: by level, then a rule naming a store or region over one for every store.</summary>
    public (int Level, int Placed) Specificity => ((int)Level, Store is not null || Region is not null ? 1 : 0);

    /// <summary>Whether the rule covers a store (by its name and region).</summary>
    public bool Covers(string store, string region) => (Store is null || Store == store) && (Region is null || Region == region);

    /// <summary>The scope in words, narrowest part first.</summary>
    public string ScopeText => Map == ConsoleRecords.Map ? "the console's own records" : string.Join(", ", new[]
    {
        Conversation is null ? null : $"conversation {Conversation}",
        ConversationKind is null ? null : $"{ConversationKind} conversations",
        Tenant is null ? null : $"tenant {Tenant}",
        Store is not null ? $"store {Store}" : Region is not null ? $"region {Region}" : "every store",
    }.OfType<string>());

    public static string ActionCode(RetentionAction action) => action switch
    {
        RetentionAction.Delete => "delete",
        RetentionAction.Anonymise => "anonymise",
        _ => "archive-then-delete",
    };
}

/// <summary>The rules in force: every file of the retention folder, all valid, or the problems and no rules.</summary>
public sealed record RetentionPolicy(IReadOnlyList<RetentionRule> Rules, IReadOnlyList<DataMapProblem> Problems)
{
    public bool Valid => Problems.Count == 0;

    public RetentionRule? Find(string name) => Rules.FirstOrDefault(r => r.Name == name);
}
