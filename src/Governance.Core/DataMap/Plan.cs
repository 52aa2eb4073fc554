using System.Text;
using System.Text.RegularExpressions;

namespace Governance.Core.DataMap;

public enum PlanAction
{
    /// <summary>Reads rows (or keys) and hands a set of keys to later steps.</summary>
    Select,
    Update,
    Delete,
    /// <summary>Files named by a blob column of rows found earlier.</summary>
    Files,
    /// <summary>Rows read, changed in .NET (inside JSON documents, embedded ids) and written back by key.</summary>
    Rewrite,
}

/// <summary>What a step's rows are to the person, so that callers need not read descriptions.</summary>
public enum StepRole
{
    /// <summary>Finding the person (the step yields the subject's keys).</summary>
    Find,
    /// <summary>Keys for later steps (derived forms of the person's key, keys of rows about to go).</summary>
    Keys,
    /// <summary>The person's own record or rows (owner, author, participant).</summary>
    Own,
    /// <summary>Other people's rows that point at the person (mentioned, about): only what points at the person is handed over.</summary>
    PointsAtPerson,
    /// <summary>Rows the person's rows belong to (a conversation): metadata only.</summary>
    Context,
    /// <summary>Rows whose JSON text cannot be read but that hold the person's id as text: reported, never guessed.</summary>
    Unreadable,
    Files,
    Change,
}

/// <summary>The edit that a <see cref="PlanAction.Rewrite"/> step makes to one column of each row it reads.</summary>
/// <param name="Table">The table, quoted (schema.table), that the changed values are written back to by key.</param>
/// <param name="Column">The column rewritten; the step's SQL selects the key columns, this column, then <paramref name="Discriminators"/>.</param>
public sealed record RewriteSpec(string Table, string Column, IReadOnlyList<string> Key, IReadOnlyList<RowEdit> Edits, IReadOnlyList<string> Discriminators);

/// <summary>One edit of a rewritten value. Names refer to the plan's bound values (key sets, pseudonyms, replacements).</summary>
public abstract record RowEdit(Condition? When);

/// <summary>Inside a JSON document: remove (<paramref name="ValueName"/> null) or replace the value at a path; with <paramref name="OnlySet"/>, only values in that key set.</summary>
public sealed record JsonRowEdit(string Path, string? ValueName, string? OnlySet, Condition? When) : RowEdit(When);

/// <summary>Replace the person's ids (values of <paramref name="Set"/>) that a pattern's id groups capture with the value <paramref name="ValueName"/>.</summary>
public sealed record PatternRowEdit(string Pattern, string Set, string ValueName, Condition? When) : RowEdit(When);

/// <summary>A pseudonym the plan binds once the person's key is known: format shaped to its column, from the key in <see cref="FromSet"/>.</summary>
public sealed record PseudonymInput(string Name, string? Format, string FromSet);

/// <summary>
/// One step of a plan: parameterised SQL over one collection. <see cref="Needs"/> names the key sets (from earlier
/// steps, or the plan's inputs) it binds as parameters of the same name; <see cref="Produces"/> names the set its
/// first column yields. <see cref="PreviewSql"/> (for changes) selects the keys of the rows the step would change.
/// </summary>
public sealed partial record PlanStep(int Order, string Collection, PlanAction Action, string Description, string Sql, string? PreviewSql, string? Produces)
{
    public StepRole Role { get; init; }

    public RewriteSpec? Rewrite { get; init; }

    /// <summary>The columns an update or a rewrite writes (what the store's role must be allowed to update).</summary>
    public IReadOnlyList<string> Writes { get; init; } = [];

    /// <summary>
    /// What a change step changes, for runs that work in batches of keys: the table (quoted), its key columns, the
    /// condition that picks the person's rows, and for an update its SET list. Null for reads and files.
    /// </summary>
    public ChangeTarget? Target { get; init; }

    /// <summary>For a files step: the SQL of a row's file path and of its region (or null), over the row's columns.</summary>
    public (string Path, string? Region)? FilePath { get; init; }

    /// <summary>The columns a SET list assigns: the leading quoted name of each top-level, comma-separated assignment.</summary>
    public static IReadOnlyList<string> AssignedColumns(string setList) => Assignments(setList).Select(a => a.Column).ToList();

    /// <summary>Each top-level assignment of a SET list: the column (unquoted) and the expression assigned to it.</summary>
    public static IReadOnlyList<(string Column, string Expression)> Assignments(string setList)
    {
        var assignments = new List<(string, string)>();
        var depth = 0;
        char? quote = null; // inside a string literal (') or a quoted name (")
        var start = 0;
        for (var i = 0; i <= setList.Length; i++)
        {
            var c = i < setList.Length ? setList[i] : ',';
            if (quote is not null)
            {
                quote = c == quote ? null : quote; // a doubled quote closes and reopens: same result
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (depth == 0 && c == ',')
            {
                var assignment = setList[start..i].Trim();
                var name = AssignedName().Match(assignment);
                assignments.Add(name.Success
                    ? (name.Groups[1].Value.Replace("\"\"", "\"", StringComparison.Ordinal), assignment[name.Length..].Trim())
                    : throw new InvalidOperationException($"Cannot read the column of the assignment '{assignment}'."));
                start = i + 1;
            }
        }

        return assignments;
    }

    [GeneratedRegex("^\"((?:[^\"]|\"\")+)\"\\s*=")]
    private static partial Regex AssignedName();

    /// <summary>The parameters the step's SQL and preview bind, read from the SQL itself so that the two cannot drift apart.</summary>
    public IReadOnlyList<string> Needs => ParametersOf(Sql + " " + PreviewSql);

    /// <summary>The parameter names one statement binds (whole names: <c>@subject</c> is not read out of <c>@subject__derived1</c>).</summary>
    public static IReadOnlyList<string> ParametersOf(string sql) => ParameterName().Matches(sql).Select(m => m.Groups[1].Value).Distinct().ToList();

    [GeneratedRegex("@([a-z_][a-z0-9_]*)")]
    private static partial Regex ParameterName();
}

/// <summary>The rows a change step changes: <paramref name="Filter"/> picks them in <paramref name="Table"/>; <paramref name="Set"/> is null for a delete or a rewrite.</summary>
public sealed record ChangeTarget(string Table, IReadOnlyList<string> Key, string Filter, string? Set)
{
    /// <summary>
    /// A condition true while a row still differs from what the update makes of it (always true for a delete), so
    /// that a rerun changes nothing and a run can tell what it has done.
    /// </summary>
    public string Pending => Set is null ? "true" : (PlanStep.Assignments(Set) is var a && a.Count == 1
        ? $"{DataMapPlanner.Q(a[0].Column)} is distinct from ({a[0].Expression})"
        : $"({string.Join(", ", a.Select(x => DataMapPlanner.Q(x.Column)))}) is distinct from ({string.Join(", ", a.Select(x => "(" + x.Expression + ")"))})");
}

/// <param name="Setup">Statements run once on the connection before the steps (helpers in <c>pg_temp</c>, gone with the session).</param>
/// <param name="Pseudonyms">Pseudonyms bound once the person is found; a plan built with placeholders can be previewed, never executed.</param>
public sealed record Plan(
    string Kind,
    string Map,
    string Store,
    IReadOnlyDictionary<string, object?> Inputs,
    IReadOnlyList<PlanStep> Steps,
    IReadOnlyList<string> Setup,
    IReadOnlyList<PseudonymInput> PseudonymInputs,
    Pseudonyms? PseudonymSource)
{
    public bool Executable => PseudonymInputs.Count == 0 || PseudonymSource is { IsPlaceholder: false };

    /// <summary>The plan as a person reads it: each step, what it does, its SQL and what it binds.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{Kind} plan for store '{Store}' (map '{Map}'), {Steps.Count} steps. Nothing has been executed.");
        sb.AppendLine("Inputs: " + string.Join(", ", Inputs.Keys.Concat(PseudonymInputs.Select(p => p.Name)).Select(k => "@" + k)));
        if (PseudonymInputs.Count > 0)
        {
            sb.AppendLine(PseudonymSource is { IsPlaceholder: false }
                ? $"Pseudonyms: keyed from the person's key once found ({string.Join(", ", PseudonymInputs.Select(p => $"@{p.Name} as {p.Format ?? Pseudonyms.DefaultFormat}"))})."
                : "Pseudonyms: PLACEHOLDERS (DataMap:PseudonymKey is not set); this plan can be previewed, never executed.");
        }

        foreach (var s in Setup)
        {
            sb.AppendLine("Setup: " + s.Split('\n')[0] + (s.Contains('\n', StringComparison.Ordinal) ? " ..." : ""));
        }

        foreach (var step in Steps)
        {
            sb.AppendLine();
            sb.AppendLine($"{step.Order}. [{step.Action.ToString().ToLowerInvariant()}] {step.Collection}: {step.Description}");
            sb.AppendLine("   " + step.Sql.Replace("\n", "\n   ", StringComparison.Ordinal));
            if (step.Rewrite is { } r)
            {
                foreach (var e in r.Edits)
                {
                    sb.AppendLine("   edit " + r.Column + ": " + e switch
                    {
                        JsonRowEdit j => $"{(j.ValueName is null ? "remove" : "replace with @" + j.ValueName)} {j.Path}{(j.OnlySet is null ? "" : $" where it is one of @{j.OnlySet}")}",
                        PatternRowEdit p => $"ids of @{p.Set} matched by {p.Pattern} become @{p.ValueName}",
                        _ => e.ToString(),
                    } + (e.When is { } w ? $" (only when {w.Column ?? w.JsonPath} is {string.Join(" or ", w.Values)})" : ""));
                }
            }

            if (step.PreviewSql is not null)
            {
                sb.AppendLine("   preview: " + step.PreviewSql.Replace("\n", "\n   ", StringComparison.Ordinal));
            }

            if (step.Needs.Count > 0 || step.Produces is not null)
            {
                sb.AppendLine($"   binds: {(step.Needs.Count == 0 ? "-" : string.Join(", ", step.Needs.Select(n => "@" + n)))}; yields: {step.Produces ?? "-"}");
            }
        }

        return sb.ToString();
    }
}
