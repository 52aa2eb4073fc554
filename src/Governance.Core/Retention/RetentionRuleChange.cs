using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Governance.Core.Retention;

/// <summary>
/// A change to one rule's settings as a privacy officer makes it on the Retention page: its age, action, schedule,
/// approval and reason. Its scope (store, tenant, kind, conversation) is what makes it that rule; a different scope is
/// another rule, written in the file.
/// </summary>
public sealed record RetentionRuleChange(string Age, string Action, string Schedule, bool Approval, string Why)
{
    public static RetentionRuleChange Of(RetentionRule rule) => new(rule.Age.Text, ActionText(rule.Action), rule.Schedule, rule.NeedsApproval, rule.Why);

    public static string ActionText(RetentionAction action) => action switch
    {
        RetentionAction.Delete => "delete",
        RetentionAction.Anonymise => "anonymise",
        _ => "archive-then-delete",
    };

    /// <summary>
    /// The file's text with this rule's values replaced where they stand (every other line, comment and blank kept as
    /// it was); a key the rule did not have is added after its last one. Null when no rule of that name is in the text.
    /// </summary>
    public string? ApplyTo(string text, string ruleName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException)
        {
            return null;
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode top
            || !top.Children.TryGetValue(new YamlScalarNode("rules"), out var rulesNode) || rulesNode is not YamlSequenceNode rules)
        {
            return null;
        }

        var rule = rules.Children.OfType<YamlMappingNode>().FirstOrDefault(r =>
            r.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode s && s.Value == ruleName);
        if (rule is null)
        {
            return null;
        }

        var values = new (string Key, string Yaml)[]
        {
            ("age", Age.Trim()),
            ("action", Action.Trim()),
            ("schedule", Quoted(Schedule.Trim())),
            ("approval", Approval ? "true" : "false"),
            ("why", Quoted(Why.Trim())),
        };

        // Edits from the end of the text backwards, so that earlier offsets stay right.
        var edits = new List<(long At, long Length, string Text)>();
        var indent = new string(' ', (int)rule.Children.Keys.First().Start.Column - 1);
        var end = rule.Children.Values.Max(v => v.End.Index);
        var added = new StringBuilder();
        foreach (var (key, yaml) in values)
        {
            if (rule.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar)
            {
                if (scalar.Value != Unquoted(yaml))
                {
                    edits.Add((scalar.Start.Index, scalar.End.Index - scalar.Start.Index, yaml));
                }
            }
            else if (key != "approval" || Approval)
            {
                added.Append('\n').Append(indent).Append(key).Append(": ").Append(yaml);
            }
        }

        if (added.Length > 0)
        {
            edits.Add((end, 0, added.ToString()));
        }

        var result = new StringBuilder(text);
        foreach (var (at, length, replacement) in edits.OrderByDescending(e => e.At))
        {
            result.Remove((int)at, (int)length).Insert((int)at, replacement);
        }

        return result.ToString();
    }

    /// <summary>A double-quoted YAML scalar (backslash and quote escaped; line breaks as \n).</summary>
    internal static string Quoted(string value)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in value)
        {
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(CultureInfo.InvariantCulture),
            });
        }

        return sb.Append('"').ToString();
    }

    private static string Unquoted(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader("v: " + yaml));
        return ((YamlScalarNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("v")]).Value ?? "";
    }
}

/// <summary>A line-by-line difference between two versions of a file, as a reviewer reads it.</summary>
public static class LineDiff
{
    public enum Kind
    {
        Same,
        Removed,
        Added,
    }

    public sealed record Line(Kind Kind, int? OldNumber, int? NewNumber, string Text);

    /// <summary>The longest common subsequence of lines, then removals before additions at each change.</summary>
    public static IReadOnlyList<Line> Compare(string before, string after)
    {
        var a = Split(before);
        var b = Split(after);
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<Line>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add(new Line(Kind.Same, x + 1, y + 1, a[x]));
                x++;
                y++;
            }
            else if (y == b.Length || (x < a.Length && lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                lines.Add(new Line(Kind.Removed, x + 1, null, a[x]));
                x++;
            }
            else
            {
                lines.Add(new Line(Kind.Added, null, y + 1, b[y]));
                y++;
            }
        }

        return lines;
    }

    /// <summary>The changed lines with <paramref name="context"/> unchanged lines around each change (what the page shows).</summary>
    public static IReadOnlyList<Line> Changes(IReadOnlyList<Line> lines, int context = 2)
    {
        var keep = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Kind != Kind.Same)
            {
                for (var k = Math.Max(0, i - context); k <= Math.Min(lines.Count - 1, i + context); k++)
                {
                    keep[k] = true;
                }
            }
        }

        return lines.Where((_, i) => keep[i]).ToList();
    }

    private static string[] Split(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
}
