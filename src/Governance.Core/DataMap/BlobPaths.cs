using System.Text.RegularExpressions;

namespace Governance.Core.DataMap;

/// <summary>
/// Paths of files built from a row: <c>local_content/{media_id:0:2}/{media_id:2:2}/{media_id:4}</c>. A template is
/// literal text (letters, digits, <c>_ . / : -</c>) and placeholders <c>{column}</c>, <c>{column:start}</c> or
/// <c>{column:start:length}</c> (0-based slices of the column's text).
/// </summary>
public static partial class BlobPaths
{
    public sealed record Part(string? Literal, string? Column, int Start, int? Length);

    public static bool IsValid(string template) => Template().IsMatch(template) && Placeholder().IsMatch(template);

    public static IReadOnlyList<Part> Parse(string template)
    {
        var parts = new List<Part>();
        var at = 0;
        foreach (Match m in Placeholder().Matches(template))
        {
            if (m.Index > at)
            {
                parts.Add(new Part(template[at..m.Index], null, 0, null));
            }

            parts.Add(new Part(null, m.Groups["column"].Value,
                m.Groups["start"].Success ? int.Parse(m.Groups["start"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0,
                m.Groups["length"].Success ? int.Parse(m.Groups["length"].Value, System.Globalization.CultureInfo.InvariantCulture) : null));
            at = m.Index + m.Length;
        }

        if (at < template.Length)
        {
            parts.Add(new Part(template[at..], null, 0, null));
        }

        return parts;
    }

    /// <summary>The columns a blob's path is made of (its own column first).</summary>
    public static IEnumerable<string> Columns(Blob blob) =>
        blob.Path is null || !IsValid(blob.Path) ? [] : Parse(blob.Path).Where(p => p.Column is not null).Select(p => p.Column!).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The SQL expression of the file's path (null where a column it is made of is null or empty). Literals are plain
    /// text by the template's grammar and are written as SQL string literals; column names are quoted.
    /// </summary>
    public static string Sql(Blob blob)
    {
        string Value(string column) => blob.StripPrefix is null
            ? $"{DataMapPlanner.Q(column)}::text"
            : $"(case when {DataMapPlanner.Q(column)}::text like {Literal(Like(blob.StripPrefix))} then substr({DataMapPlanner.Q(column)}::text, {blob.StripPrefix.Length + 1}) else {DataMapPlanner.Q(column)}::text end)";

        if (blob.Path is null)
        {
            return $"nullif({Value(blob.Column)}, '')";
        }

        var parts = Parse(blob.Path);
        var pieces = parts.Select(p => p.Literal is not null
            ? Literal(p.Literal)
            : p.Length is { } n ? $"substr({Value(p.Column!)}, {p.Start + 1}, {n})" : $"substr({Value(p.Column!)}, {p.Start + 1})");
        var guards = parts.Where(p => p.Column is not null).Select(p => p.Column!).Distinct(StringComparer.Ordinal)
            .Select(c => $"coalesce({Value(c)}, '') <> ''");
        return $"(case when {string.Join(" and ", guards)} then {string.Join(" || ", pieces)} end)";
    }

    /// <summary>The same path computed in .NET from a row's values (tests and file removal use it to cross-check).</summary>
    public static string? Build(Blob blob, Func<string, string?> column)
    {
        string? Value(string c)
        {
            var v = column(c);
            return v is not null && blob.StripPrefix is not null && v.StartsWith(blob.StripPrefix, StringComparison.Ordinal) ? v[blob.StripPrefix.Length..] : v;
        }

        if (blob.Path is null)
        {
            return string.IsNullOrEmpty(Value(blob.Column)) ? null : Value(blob.Column);
        }

        var parts = Parse(blob.Path);
        if (parts.Any(p => p.Column is not null && string.IsNullOrEmpty(Value(p.Column))))
        {
            return null;
        }

        return string.Concat(parts.Select(p =>
        {
            if (p.Literal is not null)
            {
                return p.Literal;
            }

            var v = Value(p.Column!)!;
            var start = Math.Min(p.Start, v.Length);
            return p.Length is { } n ? v.Substring(start, Math.Min(n, v.Length - start)) : v[start..];
        }));
    }

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Like(string prefix) => prefix.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    [GeneratedRegex(@"^([A-Za-z0-9_./:-]|\{[A-Za-z_][A-Za-z0-9_]{0,62}(:\d{1,3}(:\d{1,3})?)?\})+\z")]
    private static partial Regex Template();

    [GeneratedRegex(@"\{(?<column>[A-Za-z_][A-Za-z0-9_]{0,62})(:(?<start>\d{1,3})(:(?<length>\d{1,3}))?)?\}")]
    private static partial Regex Placeholder();
}
