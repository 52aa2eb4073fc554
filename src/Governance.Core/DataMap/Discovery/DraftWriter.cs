using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Governance.Core.DataMap.Discovery;

/// <summary>Writes the drafted tables as a data map in YAML, each guess with its reason after <c># REVIEW</c>.</summary>
internal static partial class DraftWriter
{
    public static string Write(string storeName, string schema, IReadOnlyList<DraftTable> tables)
    {
        var sb = new StringBuilder();
        void Line(string text) => sb.AppendLine(text);
        Line($"# Draft data map of store '{storeName}', discovered from schema '{schema}' on {DateTime.UtcNow:yyyy-MM-dd}.");
        Line("# Every line marked REVIEW is a guess: check it, fix it, remove the mark. Columns not listed are taken as not personal.");
        Line("version: 1");
        Line($"name: {Slug(storeName)}-draft");
        Line($"description: Draft discovered from store {storeName}");
        Line($"stores: [{storeName}]");
        Line("");
        Line("identities:");
        foreach (var i in tables.SelectMany(t => t.Identities))
        {
            var parts = new List<string> { $"kind: {i.Kind}", $"collection: {i.Table}", $"column: {i.Column}" };
            if (i.CaseInsensitive)
            {
                parts.Add("match: case-insensitive");
            }

            if (i.When is { } w)
            {
                parts.Add($"when: {{ column: {w.Column}, equals: {Quote(w.Value)} }}");
            }

            if (i.Via is not null)
            {
                parts.Add($"via: {i.Via}");
            }

            Line($"  - {{ {string.Join(", ", parts)} }}  # REVIEW{(i.Why.Length == 0 ? "" : ": " + i.Why)}");
        }

        Line("");
        Line("collections:");
        foreach (var t in tables)
        {
            WriteTable(sb, schema, t, tables.FirstOrDefault(x => x.Subject)?.Name);
        }

        return sb.ToString();
    }

    private static void WriteTable(StringBuilder sb, string schema, DraftTable t, string? subject)
    {
        void Line(string text) => sb.AppendLine(text);
        Line($"  - name: {t.Name}");
        Line($"    table: {(schema == "public" ? t.Name : $"{schema}.{t.Name}")}");
        Line($"    key: [{string.Join(", ", t.Key)}]{(t.KeyGuessed ? "  # REVIEW: no primary key or unique index found" : "")}");
        if (t.Subject)
        {
            Line("    subject: true  # REVIEW");
        }

        if (t.DatedBy is not null)
        {
            Line($"    dated_by: {t.DatedBy}  # REVIEW");
        }

        if (t.Region is not null)
        {
            Line($"    region: {t.Region}  # REVIEW");
        }

        Line($"    row_erasure: {(t.Deletes ? "delete" : "keep")}  # REVIEW");
        if (!t.Deletes)
        {
            Line("    legal_basis: \"REVIEW: why rows stay on erasure\"");
        }

        if (t.References.Count > 0)
        {
            Line("    references:");
            foreach (var r in t.References)
            {
                var parts = new List<string> { r.Columns.Count == 1 ? $"column: {r.Columns[0]}" : $"columns: [{string.Join(", ", r.Columns)}]", $"to: {r.To}" };
                if (r.Relation is not null)
                {
                    parts.Add($"relation: {r.Relation}");
                }

                if (r.Array)
                {
                    parts.Add("array: true");
                }

                if (r.JsonPath is not null)
                {
                    parts.Add($"json_path: {Quote(r.JsonPath)}");
                }

                if (r.Pattern is not null)
                {
                    parts.Add($"pattern: {Quote(r.Pattern)}");
                }

                if (r.Derive == "localpart")
                {
                    parts.Add("derive: localpart");
                }
                else if (r.Derive is not null)
                {
                    parts.Add("case: lower");
                }

                Line($"      - {{ {string.Join(", ", parts)} }}{(r.Relation is null ? "" : $"  # REVIEW: {r.Why}; owner, author, participant, mentioned or about")}");
            }
        }

        var fields = Fields(t, subject).ToList();
        if (fields.Count > 0)
        {
            Line("    fields:");
            foreach (var f in fields)
            {
                Line("      - " + f);
            }
        }
    }

    /// <summary>Personal fields with an erasure that loads and is safe to start from; pointers to the person in kept rows are pseudonymised.</summary>
    private static IEnumerable<string> Fields(DraftTable t, string? subject)
    {
        foreach (var f in t.Fields.DistinctBy(f => (f.Column, f.JsonPath)))
        {
            var path = f.JsonPath is null ? "" : $", json_path: {Quote(f.JsonPath)}";
            var pointer = f.JsonPath is not null && t.References.Any(r => r.JsonPath == f.JsonPath && r.Columns[0] == f.Column);
            var erasure = t.Deletes ? "delete-row"
                : pointer ? "pseudonymise"
                : f.JsonPath is not null || f.Nullable ? "set-null"
                : f.Text ? "replace, replacement: \"[erased]\""
                : "keep, legal_basis: \"REVIEW: the column cannot be emptied\"";
            yield return $"{{ column: {f.Column}{path}, category: {f.Category}, erasure: {erasure} }}  # REVIEW: {f.Why}";
        }

        if (t.Deletes || subject is null)
        {
            yield break;
        }

        foreach (var pointer in t.References.Where(r => r.To == subject && r.Relation is not null && r.JsonPath is null).SelectMany(r => r.Columns).Distinct(StringComparer.Ordinal))
        {
            yield return $"{{ column: {pointer}, category: metadata, erasure: pseudonymise }}  # REVIEW: points at the person";
        }
    }

    /// <summary>A YAML single-quoted scalar.</summary>
    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Slug(string name) => NonSlug().Replace(name.ToLowerInvariant(), "-");

    [GeneratedRegex("[^a-z0-9_-]")]
    private static partial Regex NonSlug();
}
