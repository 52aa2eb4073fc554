using System.Text;
using System.Text.RegularExpressions;

namespace Governance.Core.DataMap;

/// <summary>
/// Ids embedded in text by a pattern whose named groups <c>id</c>, <c>id2</c>, ... capture them (other groups are
/// not ids). PostgreSQL sees the same pattern with plain groups; the id groups are found by their position.
/// </summary>
public static partial class IdPatterns
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);

    /// <summary>The pattern in PostgreSQL's dialect: named groups become plain ones.</summary>
    public static string Pg(string pattern) => NamedGroup().Replace(pattern, "(");

    /// <summary>The 1-based positions (in PostgreSQL's numbering, by opening parenthesis) of the groups named id*.</summary>
    public static IReadOnlyList<int> IdGroupPositions(string pattern)
    {
        var positions = new List<int>();
        var ordinal = 0;
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                i++;
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                continue;
            }

            if (c == '[')
            {
                inClass = true;
                continue;
            }

            if (c != '(')
            {
                continue;
            }

            if (i + 1 < pattern.Length && pattern[i + 1] == '?')
            {
                var named = NamedAt().Match(pattern, i);
                if (named.Success && named.Index == i)
                {
                    ordinal++;
                    if (named.Groups["name"].Value.StartsWith("id", StringComparison.Ordinal))
                    {
                        positions.Add(ordinal);
                    }
                }

                continue;
            }

            ordinal++;
        }

        return positions;
    }

    /// <summary>Every id the pattern finds in a value (all occurrences, id groups only).</summary>
    public static IEnumerable<string> Ids(string pattern, string value)
    {
        var regex = new Regex(pattern, RegexOptions.None, Timeout);
        var names = regex.GetGroupNames().Where(n => n.StartsWith("id", StringComparison.Ordinal)).ToList();
        foreach (Match m in regex.Matches(value))
        {
            foreach (var n in names.Where(n => m.Groups[n].Success))
            {
                yield return m.Groups[n].Value;
            }
        }
    }

    /// <summary>Replaces, in every occurrence, the id groups whose value is one of <paramref name="ids"/>; all else stays.</summary>
    public static string Replace(string pattern, string value, IReadOnlySet<string> ids, string replacement)
    {
        var regex = new Regex(pattern, RegexOptions.None, Timeout);
        var names = regex.GetGroupNames().Where(n => n.StartsWith("id", StringComparison.Ordinal)).ToList();
        var spans = new List<(int Index, int Length)>();
        foreach (Match m in regex.Matches(value))
        {
            spans.AddRange(names.Select(n => m.Groups[n]).Where(g => g.Success && ids.Contains(g.Value)).Select(g => (g.Index, g.Length)));
        }

        if (spans.Count == 0)
        {
            return value;
        }

        var sb = new StringBuilder(value);
        foreach (var (index, length) in spans.Distinct().OrderByDescending(s => s.Index))
        {
            sb.Remove(index, length).Insert(index, replacement);
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"\(\?<[A-Za-z][A-Za-z0-9]*>")]
    private static partial Regex NamedGroup();

    [GeneratedRegex(@"\(\?<(?<name>[A-Za-z][A-Za-z0-9]*)>")]
    private static partial Regex NamedAt();
}
