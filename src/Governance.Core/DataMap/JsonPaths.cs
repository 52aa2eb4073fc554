using System.Text.RegularExpressions;

namespace Governance.Core.DataMap;

/// <summary>One step of a JSON path: a key of an object, then optionally every element of the array found there.</summary>
public sealed record JsonSegment(string Name, bool EachElement);

/// <summary>
/// The JSON paths a data map may use: <c>$</c> then keys, each <c>.name</c> or <c>."name.with.dots"</c>, each
/// optionally followed by <c>[*]</c> (every element of an array). A subset of SQL/JSON path, so that PostgreSQL
/// evaluates the same path the map states; keys are plain text (letters, digits, <c>_ . : -</c>), so a path can be
/// written into SQL without escaping.
/// </summary>
public static partial class JsonPaths
{
    public static bool IsValid(string path) => Grammar().IsMatch(path);

    public static IReadOnlyList<JsonSegment> Parse(string path)
    {
        if (!IsValid(path))
        {
            throw new ArgumentException($"'{path}' is not a JSON path of the form $.name, $.\"dotted.name\" or $.list[*].name.", nameof(path));
        }

        return Segment().Matches(path[1..]).Select(m => new JsonSegment(
            m.Groups["plain"].Success ? m.Groups["plain"].Value : m.Groups["quoted"].Value,
            m.Groups["each"].Success)).ToList();
    }

    public static bool HasWildcard(string path) => Parse(path).Any(s => s.EachElement);

    /// <summary>The path as PostgreSQL's <c>#&gt;&gt;</c> operator takes it (<c>{a,b}</c>); only for paths without <c>[*]</c>.</summary>
    public static string PgTextPath(string path) => "{" + string.Join(',', Parse(path).Select(s => s.Name.Contains('.', StringComparison.Ordinal) || s.Name.Contains(':', StringComparison.Ordinal) ? $"\"{s.Name}\"" : s.Name)) + "}";

    /// <summary>The path in SQL/JSON path syntax (keys with dots quoted).</summary>
    public static string PgJsonPath(string path) =>
        "$" + string.Concat(Parse(path).Select(s => (Plain().IsMatch(s.Name) ? "." + s.Name : $".\"{s.Name}\"") + (s.EachElement ? "[*]" : "")));

    [GeneratedRegex("""^\$((\.[A-Za-z_][A-Za-z0-9_]{0,62}|\."[A-Za-z0-9_.:-]{1,100}")(\[\*\])?){1,8}\z""")]
    private static partial Regex Grammar();

    [GeneratedRegex("""\.(?:(?<plain>[A-Za-z_][A-Za-z0-9_]*)|"(?<quoted>[^"]+)")(?<each>\[\*\])?""")]
    private static partial Regex Segment();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*\\z")]
    private static partial Regex Plain();
}
