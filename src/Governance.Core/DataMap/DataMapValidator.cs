using System.Text.RegularExpressions;

namespace Governance.Core.DataMap;

/// <summary>The rules a bound map must keep beyond its shape: names that resolve, erasure that is complete, a delete order that exists.</summary>
public static partial class DataMapValidator
{
    public static void Validate(DataMapDocument map, List<DataMapProblem> problems)
    {
        void Problem(SourceLocation at, string message) => problems.Add(new DataMapProblem(at, message));

        foreach (var dup in map.Collections.GroupBy(c => c.Name).Where(g => g.Count() > 1))
        {
            foreach (var c in dup.Skip(1))
            {
                Problem(c.Where, $"Collection '{c.Name}' is defined twice.");
            }
        }

        foreach (var c in map.Collections)
        {
            if (!Identifier().IsMatch(c.Name))
            {
                Problem(c.Where, $"Collection name '{c.Name}' must be letters, digits or '_'.");
            }

            if (!QualifiedIdentifier().IsMatch(c.Table))
            {
                Problem(c.Where, $"Table '{c.Table}' of collection '{c.Name}' must be a name or schema.name of letters, digits or '_'.");
            }

            if (c.Key.Count == 0)
            {
                Problem(c.Where, $"Collection '{c.Name}' needs a key.");
            }

            foreach (var (column, where) in c.NamedColumns().Where(x => !Identifier().IsMatch(x.Column)))
            {
                Problem(where, $"Column '{column}' of collection '{c.Name}' must be letters, digits or '_'.");
            }

            if (c.RowErasure == RowErasure.Keep && string.IsNullOrWhiteSpace(c.LegalBasis))
            {
                Problem(c.Where, $"Collection '{c.Name}' keeps its rows on erasure: state the legal basis (legal_basis).");
            }

            foreach (var dup in c.Fields.GroupBy(f => f.Column).Where(g => g.Count() > 1))
            {
                Problem(dup.Skip(1).First().Where, $"Field '{dup.Key}' of collection '{c.Name}' is listed twice.");
            }

            foreach (var f in c.Fields)
            {
                switch (f.Erasure)
                {
                    case FieldErasure.Replace when string.IsNullOrEmpty(f.Replacement):
                        Problem(f.Where, $"Field '{f.Column}' is erased by replacement: give the replacement text.");
                        break;
                    case FieldErasure.Keep when string.IsNullOrWhiteSpace(f.LegalBasis):
                        Problem(f.Where, $"Field '{f.Column}' is kept on erasure: state the legal basis (legal_basis).");
                        break;
                    case FieldErasure.DeleteRow when c.RowErasure != RowErasure.Delete:
                        Problem(f.Where, $"Field '{f.Column}' goes with its row, but collection '{c.Name}' keeps its rows: choose set-null, replace, pseudonymise or keep.");
                        break;
                }

                if (f.Replacement is not null && f.Erasure != FieldErasure.Replace)
                {
                    Problem(f.Where, $"Field '{f.Column}' has a replacement text but its erasure is {YamlBinder.Kebab(f.Erasure.ToString())}.");
                }
            }

            foreach (var r in c.References)
            {
                var target = map.Find(r.To);
                if (target is null)
                {
                    Problem(r.Where, $"Reference from '{c.Name}' goes to '{r.To}', which is not a collection of this map.");
                }
                else if (target.Key.Count != r.Columns.Count && r.JsonPath is null && r.Pattern is null && !r.Array)
                {
                    Problem(r.Where, $"Reference from '{c.Name}' gives {r.Columns.Count} columns for the {target.Key.Count}-column key of '{target.Name}'.");
                }

                if (r.JsonPath is not null && !JsonPath().IsMatch(r.JsonPath))
                {
                    Problem(r.Where, $"json_path '{r.JsonPath}' must look like $.name or $.name.inner (letters, digits, '_').");
                }

                if (target is not null && r.Relation != Relation.Link && (target.Key.Count != 1 || r.Columns.Count != 1))
                {
                    Problem(r.Where, $"A reference to a person ('{r.To}') must be one column pointing at a one-column key.");
                }

                if (r.Pattern is not null)
                {
                    try
                    {
                        var regex = new Regex(r.Pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
                        if (!regex.GetGroupNames().Any(g => g.StartsWith("id", StringComparison.Ordinal)))
                        {
                            Problem(r.Where, "A pattern reference needs named groups id, id2, ... that capture the ids.");
                        }
                    }
                    catch (ArgumentException ex)
                    {
                        Problem(r.Where, $"The pattern is not a valid regular expression: {ex.Message}");
                    }
                }
            }

            foreach (var personal in c.References.Where(r => r.Relation != Relation.Link))
            {
                foreach (var column in personal.Columns.Where(col => c.Fields.All(f => f.Column != col)) )
                {
                    if (c.RowErasure == RowErasure.Keep)
                    {
                        Problem(personal.Where, $"Column '{column}' of '{c.Name}' points at a person in rows that erasure keeps: list it as a field with its erasure (e.g. pseudonymise).");
                    }
                }
            }
        }

        foreach (var i in map.Identities)
        {
            var c = map.Find(i.Collection);
            if (c is null)
            {
                Problem(i.Where, $"Identity {YamlBinder.Kebab(i.Kind.ToString())} names collection '{i.Collection}', which is not in this map.");
            }
            else if (i.Kind != IdentityKind.UserId && c.Fields.All(f => f.Column != i.Column))
            {
                Problem(i.Where, $"Identity column '{i.Column}' holds personal data: list it as a field of '{c.Name}' with its category and erasure.");
            }
        }

        if (map.Identities.All(i => i.Kind != IdentityKind.UserId))
        {
            Problem(map.Where, "The map needs a user-id identity: the column that holds the person's id in the chat store.");
        }

        CheckDeleteOrder(map, problems);
    }

    /// <summary>Rows that are deleted must be deletable in some order: dependants first. A cycle of deleting collections has no such order.</summary>
    private static void CheckDeleteOrder(DataMapDocument map, List<DataMapProblem> problems)
    {
        var deleting = map.Collections.Where(c => c.RowErasure == RowErasure.Delete).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var edges = map.Collections.Where(c => deleting.Contains(c.Name))
            .ToDictionary(c => c.Name, c => c.References.Where(r => OrdersDeletes(r, c, deleting)).ToList());
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var start in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } cycle)
            {
                var where = map.Find(cycle[0])!.References.First(r => r.To == cycle[1]).Where;
                problems.Add(new DataMapProblem(where,
                    $"Deleting rows has no order: {string.Join(" -> ", cycle)} reference each other in a cycle. Keep the rows of one of them, or make one reference a nulled field."));
                return;
            }
        }

        List<string>? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2)
            {
                return null;
            }

            if (state.GetValueOrDefault(node) == 1)
            {
                return [.. path[path.IndexOf(node)..], node];
            }

            state[node] = 1;
            path.Add(node);
            foreach (var r in edges[node])
            {
                if (Visit(r.To) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }

    /// <summary>A reference that forces its rows to be deleted before the rows it points at (the planner orders deletes by the same rule).</summary>
    public static bool OrdersDeletes(Reference r, Collection from, IReadOnlySet<string> deleting) =>
        r.IsKeyLink && r.To != from.Name && deleting.Contains(r.To);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex Identifier();

    [GeneratedRegex("^\\$(\\.[A-Za-z_][A-Za-z0-9_]{0,62}){1,8}$")]
    private static partial Regex JsonPath();

    [GeneratedRegex("^([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex QualifiedIdentifier();
}
