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
}

/// <summary>
/// One step of a plan: parameterised SQL over one collection. <see cref="Needs"/> names the key sets (from earlier
/// steps, or the plan's inputs) it binds as parameters of the same name; <see cref="Produces"/> names the set its
/// first column yields. <see cref="PreviewSql"/> (for changes) selects the keys of the rows the step would change.
/// </summary>
public sealed partial record PlanStep(int Order, string Collection, PlanAction Action, string Description, string Sql, string? PreviewSql, string? Produces)
{
    /// <summary>The parameters the step's SQL and preview bind, read from the SQL itself so that the two cannot drift apart.</summary>
    public IReadOnlyList<string> Needs { get; } = ParameterName().Matches(Sql + " " + PreviewSql).Select(m => m.Groups[1].Value).Distinct().ToList();

    [GeneratedRegex("@([a-z_][a-z0-9_]*)")]
    private static partial Regex ParameterName();
}

public sealed record Plan(string Kind, string Map, string Store, IReadOnlyDictionary<string, object?> Inputs, IReadOnlyList<PlanStep> Steps)
{
    /// <summary>The plan as a person reads it: each step, what it does, its SQL and what it binds.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{Kind} plan for store '{Store}' (map '{Map}'), {Steps.Count} steps. Nothing has been executed.");
        sb.AppendLine("Inputs: " + string.Join(", ", Inputs.Select(kv => $"@{kv.Key}")));
        foreach (var step in Steps)
        {
            sb.AppendLine();
            sb.AppendLine($"{step.Order}. [{step.Action.ToString().ToLowerInvariant()}] {step.Collection}: {step.Description}");
            sb.AppendLine("   " + step.Sql.Replace("\n", "\n   ", StringComparison.Ordinal));
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
