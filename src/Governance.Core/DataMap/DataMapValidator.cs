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
            CheckCollection(c, Problem);
            CheckReferences(map, c, Problem);
        }

        CheckIdentities(map, Problem);
        CheckDeleteOrder(map, problems);
        foreach (var (what, name) in new[] { ("conversation", map.Holds.Conversation), ("tenant", map.Holds.Tenant) })
        {
            if (name is not null && map.Find(name) is not { Key.Count: 1 })
            {
                Problem(map.Holds.Where, map.Find(name) is null
                    ? $"holds: {what} names '{name}', which is not a collection of this map."
                    : $"holds: {what} names '{name}', whose key has several columns: a hold names one id.");
            }
        }

        if (map.Holds.ConversationKind is { } kind && (map.Holds.Conversation is null || !Identifier().IsMatch(kind)))
        {
            Problem(map.Holds.Where, map.Holds.Conversation is null
                ? "holds: conversation_kind names a column of the conversation collection, but 'conversation' names none."
                : $"holds: conversation_kind '{kind}' must be a column name of letters, digits or '_'.");
        }

        if (map.Holds.CustodianName is { } named && map.SubjectCollection is { } people)
        {
            var kept = map.Find(named.Collection ?? people.Name);
            var why = people.Key.Count != 1 ? $"the people's collection '{people.Name}' has a key of several columns: a hold names one id"
                : kept is null ? $"'{named.Collection}' is not a collection of this map"
                : kept.Fields.All(f => f.Column != named.Column) ? $"'{named.Column}' is not a field of '{kept.Name}'; list it there as personal data first"
                : kept != people && map.ReferenceToSubject(kept.Name) is null ? $"'{kept.Name}' has no single plain reference to the people's collection '{people.Name}'"
                : null;
            if (why is not null)
            {
                Problem(named.Where, $"holds: custodian_name: {why}.");
            }
        }
    }

    /// <summary>Names, keys, rows kept with their basis, and every field's erasure complete.</summary>
    private static void CheckCollection(Collection c, Action<SourceLocation, string> problem)
    {
        if (!Identifier().IsMatch(c.Name))
        {
            problem(c.Where, $"Collection name '{c.Name}' must be letters, digits or '_'.");
        }

        if (!QualifiedIdentifier().IsMatch(c.Table))
        {
            problem(c.Where, $"Table '{c.Table}' of collection '{c.Name}' must be a name or schema.name of letters, digits or '_'.");
        }

        if (c.Key.Count == 0)
        {
            problem(c.Where, $"Collection '{c.Name}' needs a key.");
        }

        foreach (var (column, where) in c.NamedColumns().Where(x => !Identifier().IsMatch(x.Column)))
        {
            problem(where, $"Column '{column}' of collection '{c.Name}' must be letters, digits or '_'.");
        }

        if (c.RowErasure == RowErasure.Keep && string.IsNullOrWhiteSpace(c.LegalBasis))
        {
            problem(c.Where, $"Collection '{c.Name}' keeps its rows on erasure: state the legal basis (legal_basis).");
        }

        foreach (var dup in c.Fields.GroupBy(f => (f.Column, f.JsonPath)).Where(g => g.Count() > 1))
        {
            problem(dup.Skip(1).First().Where, $"Field '{dup.Key.Column}{(dup.Key.JsonPath is null ? "" : " " + dup.Key.JsonPath)}' of collection '{c.Name}' is listed twice.");
        }

        foreach (var mixed in c.Fields.GroupBy(f => f.Column).Where(g => g.Any(f => f.IsJson) && g.Any(f => !f.IsJson)))
        {
            problem(mixed.First(f => f.IsJson).Where, $"Column '{mixed.Key}' of '{c.Name}' is listed both whole and by keys inside its JSON; list it one way.");
        }

        CheckFieldOptions(c, problem);

        foreach (var f in c.Fields)
        {
            switch (f.Erasure)
            {
                case FieldErasure.Replace when string.IsNullOrEmpty(f.Replacement):
                    problem(f.Where, $"Field '{f.Column}' is erased by replacement: give the replacement text.");
                    break;
                case FieldErasure.Keep when string.IsNullOrWhiteSpace(f.LegalBasis):
                    problem(f.Where, $"Field '{f.Column}' is kept on erasure: state the legal basis (legal_basis).");
                    break;
                case FieldErasure.DeleteRow when c.RowErasure != RowErasure.Delete:
                    problem(f.Where, $"Field '{f.Column}' goes with its row, but collection '{c.Name}' keeps its rows: choose set-null, replace, pseudonymise or keep.");
                    break;
            }

            if (f.Replacement is not null && f.Erasure != FieldErasure.Replace)
            {
                problem(f.Where, $"Field '{f.Column}' has a replacement text but its erasure is {YamlBinder.Kebab(f.Erasure.ToString())}.");
            }
        }
    }

    /// <summary>Every reference resolves, has the columns its target's key needs, and its options can work.</summary>
    private static void CheckReferences(DataMapDocument map, Collection c, Action<SourceLocation, string> problem)
    {
        foreach (var r in c.References)
        {
            var target = map.Find(r.To);
            if (target is null)
            {
                problem(r.Where, $"Reference from '{c.Name}' goes to '{r.To}', which is not a collection of this map.");
            }
            else if (target.Key.Count != r.Columns.Count && r.JsonPath is null && r.Pattern is null && !r.Array && r.ToColumn is null)
            {
                problem(r.Where, $"Reference from '{c.Name}' gives {r.Columns.Count} columns for the {target.Key.Count}-column key of '{target.Name}'.");
            }

            if (r.JsonPath is not null && !JsonPaths.IsValid(r.JsonPath))
            {
                problem(r.Where, $"json_path '{r.JsonPath}' must look like $.name, $.inner.name, $.\"dotted.name\" or $.list[*] (at most 8 steps).");
            }

            if (r.JsonPath is not null && r.Pattern is not null)
            {
                problem(r.Where, "A reference gives either json_path or pattern, not both.");
            }

            CheckReferenceOptions(c, r, problem);

            if (target is not null && r.Relation != Relation.Link && (target.Key.Count != 1 || r.Columns.Count != 1))
            {
                problem(r.Where, $"A reference to a person ('{r.To}') must be one column pointing at a one-column key.");
            }

            if (r.Pattern is not null)
            {
                try
                {
                    var regex = new Regex(r.Pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
                    if (!regex.GetGroupNames().Any(g => g.StartsWith("id", StringComparison.Ordinal)) || IdPatterns.IdGroupPositions(r.Pattern).Count == 0)
                    {
                        problem(r.Where, "A pattern reference needs named groups id, id2, ... that capture the ids.");
                    }
                }
                catch (ArgumentException ex)
                {
                    problem(r.Where, $"The pattern is not a valid regular expression: {ex.Message}");
                }
            }
        }

        foreach (var personal in c.References.Where(r => r.Relation != Relation.Link))
        {
            foreach (var column in personal.Columns.Where(col => c.Fields.All(f => f.Column != col)) )
            {
                if (c.RowErasure == RowErasure.Keep)
                {
                    problem(personal.Where, $"Column '{column}' of '{c.Name}' points at a person in rows that erasure keeps: list it as a field with its erasure (e.g. pseudonymise).");
                }
            }
        }
    }

    /// <summary>Identities name collections of the map, personal identity columns are fields, and each reaches the person.</summary>
    private static void CheckIdentities(DataMapDocument map, Action<SourceLocation, string> problem)
    {
        var subject = map.SubjectCollection;
        foreach (var i in map.Identities)
        {
            var c = map.Find(i.Collection);
            if (c is null)
            {
                problem(i.Where, $"Identity {YamlBinder.Kebab(i.Kind.ToString())} names collection '{i.Collection}', which is not in this map.");
            }
            else if (subject is not null && c.Name != subject.Name)
            {
                // An identity kept in another table must lead to the person by exactly one plain reference (or the one 'via' names).
                var plain = c.References.Where(r => r.To == subject.Name && !r.Array && !r.IsEmbedded && r.Columns.Count == 1).ToList();
                if (map.IdentityReference(i) is null)
                {
                    problem(i.Where, i.Via is not null
                        ? $"Identity in '{c.Name}' names via '{i.Via}', but '{c.Name}' has no plain reference from that column to '{subject.Name}'."
                        : plain.Count == 0
                            ? $"Identity in '{c.Name}' cannot reach the person: give '{c.Name}' a reference to '{subject.Name}' (the column holding the person's id)."
                            : $"Identity in '{c.Name}' has {plain.Count} references to '{subject.Name}': name the one to follow with via.");
                }
            }
            else if (i.Kind != IdentityKind.UserId && c.Fields.All(f => f.Column != i.Column))
            {
                problem(i.Where, $"Identity column '{i.Column}' holds personal data: list it as a field of '{c.Name}' with its category and erasure.");
            }
        }

        if (map.Identities.All(i => i.Kind != IdentityKind.UserId))
        {
            problem(map.Where, "The map needs a user-id identity: the column that holds the person's id in the chat store.");
        }
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

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}\\z")]
    private static partial Regex Identifier();

    private static void CheckFieldOptions(Collection c, Action<SourceLocation, string> problem)
    {
        foreach (var f in c.Fields)
        {
            if (f.JsonPath is not null && !JsonPaths.IsValid(f.JsonPath))
            {
                problem(f.Where, $"json_path '{f.JsonPath}' of field '{f.Column}' must look like $.name, $.inner.name or $.\"dotted.name\".");
            }

            if (f.When is not null && !f.IsJson)
            {
                problem(f.When.Where, $"'when' applies to keys inside a JSON document: give field '{f.Column}' a json_path, or drop the condition.");
            }

            if (f.When is { JsonPath: { } w } && (!JsonPaths.IsValid(w) || JsonPaths.HasWildcard(w)))
            {
                problem(f.When.Where, $"The condition's json_path '{w}' must name one value ($.type), without [*].");
            }

            if (f.PseudonymFormat is not null && f.Erasure != FieldErasure.Pseudonymise)
            {
                problem(f.Where, $"Field '{f.Column}' has a pseudonym format but its erasure is {YamlBinder.Kebab(f.Erasure.ToString())}.");
            }

            if (f.PseudonymFormat is not null && !Pseudonyms.IsValidFormat(f.PseudonymFormat))
            {
                problem(f.Where, $"Pseudonym format '{f.PseudonymFormat}' must be literal text (letters, digits, _ . : @ / + -) and {{hex:N}}, {{alnum:N}} or {{digits:N}}.");
            }
        }

        foreach (var b in c.Blobs)
        {
            if (b.Path is not null && !BlobPaths.IsValid(b.Path))
            {
                problem(b.Where, $"Blob path '{b.Path}' must be literal text (letters, digits, _ . / : -) and at least one {{column}}, {{column:start}} or {{column:start:length}}.");
            }

            if (b.StripPrefix is not null && !StripPrefix().IsMatch(b.StripPrefix))
            {
                problem(b.Where, $"strip_prefix '{b.StripPrefix}' must be letters, digits and _ . / : - only.");
            }
        }
    }

    private static void CheckReferenceOptions(Collection c, Reference r, Action<SourceLocation, string> problem)
    {
        if (r.Derive is { } d && !Derive().IsMatch(d.Template))
        {
            problem(d.Where, $"derive '{d.Template}' must be 'localpart' or a template of literal text (letters, digits, _ . : @ / + -) with {{key}} or {{localpart}}.");
        }

        if ((r.Derive is not null || r.ToColumn is not null) && r.Relation == Relation.Link)
        {
            problem(r.Where, "derive and to_column apply to references to a person (give the relation).");
        }

        if (r.Erasure is { } e && (r.Relation is not (Relation.Mentioned or Relation.About) || e == FieldErasure.Replace || (e == FieldErasure.DeleteRow && c.RowErasure != RowErasure.Delete)))
        {
            problem(r.Where, "A reference's own erasure applies to other people's rows (relation mentioned or about): set-null, pseudonymise, keep, or delete-row where the collection deletes rows.");
        }

        if (r.PseudonymFormat is not null && (r.Erasure != FieldErasure.Pseudonymise || !Pseudonyms.IsValidFormat(r.PseudonymFormat)))
        {
            problem(r.Where, $"A reference's pseudonym format goes with erasure: pseudonymise and is literal text and {{hex:N}}, {{alnum:N}} or {{digits:N}}.");
        }

        if (r.ToColumn is not null && !Identifier().IsMatch(r.ToColumn))
        {
            problem(r.Where, $"to_column '{r.ToColumn}' must be letters, digits or '_'.");
        }

        if (r.Array && r.IsEmbedded)
        {
            problem(r.Where, "array: true is for array columns; inside JSON, write [*] in the json_path.");
        }
    }

    [GeneratedRegex(@"^([A-Za-z0-9_.:@/+-]|\{key\}|\{localpart\})*(\{key\}|\{localpart\})([A-Za-z0-9_.:@/+-]|\{key\}|\{localpart\})*\z")]
    private static partial Regex Derive();

    [GeneratedRegex(@"^[A-Za-z0-9_./:-]{1,100}\z")]
    private static partial Regex StripPrefix();

    [GeneratedRegex("^([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}\\z")]
    private static partial Regex QualifiedIdentifier();
}
