using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Governance.Core.DataMap;

/// <summary>
/// Walks a data map to plan access, erasure and purges. SQL is built only from the map's validated identifiers,
/// always quoted; every value is a parameter. Plans execute nothing: a later step (or a person) runs them.
/// </summary>
/// <remarks>
/// Which rows are the person's: rows of the subject collection found from the identity, and rows of other
/// collections whose references point at the person. Rows reached through an owner, author or participant
/// reference are the person's own; those reached through about or mentioned belong to someone else and only
/// the pointer to the person is handled there.
/// </remarks>
public sealed partial class DataMapPlanner(DataMapDocument map, string store)
{
    public const string SubjectSet = "subject";
    public const string IdentityInput = "identity";
    public const string BatchInput = "batch";
    public const string CutoffInput = "cutoff";

    private static readonly Relation[] OwnRelations = [DataMap.Relation.Owner, DataMap.Relation.Author, DataMap.Relation.Participant];

    private Collection Subject =>
        map.Collections.FirstOrDefault(c => c.Subject)
        ?? map.Find(map.Identities.First(i => i.Kind == IdentityKind.UserId).Collection)!;

    /// <summary>Finds the person: the subject collection's keys whose identity column matches the given value.</summary>
    private PlanStep FindPerson(IdentityKind kind, int order)
    {
        var identity = map.Identities.FirstOrDefault(i => i.Kind == kind)
            ?? throw new ArgumentException($"Map '{map.Name}' has no {NameStyle.Kebab(kind)} identity.", nameof(kind));
        var c = map.Find(identity.Collection)!;
        var key = Q(c.Key[0]);
        var column = Q(identity.Column);
        var match = identity.CaseInsensitive ? $"lower({column}) = lower(@{IdentityInput})" : $"{column} = @{IdentityInput}";
        var sql = identity.Collection == Subject.Name
            ? $"select distinct {key} from {Table(c)} where {match}"
            : throw new ArgumentException($"Identity {identity.Kind} must be a column of the subject collection '{Subject.Name}'.", nameof(kind));
        return new PlanStep(order, c.Name, PlanAction.Select, $"find the person by {NameStyle.Kebab(kind)}", sql, null, SubjectSet);
    }

    /// <summary>Every reference in the map that points at the person, with its collection.</summary>
    private IEnumerable<(Collection Collection, Reference Reference)> PersonReferences() =>
        map.Collections.SelectMany(c => c.References.Where(r => r.To == Subject.Name && r.Relation != DataMap.Relation.Link).Select(r => (c, r)));

    public Plan Access(IdentityKind kind, string value)
    {
        var steps = new List<PlanStep> { FindPerson(kind, 1) };
        var subject = Subject;
        steps.Add(new PlanStep(steps.Count + 1, subject.Name, PlanAction.Select, "the person's own record",
            $"select * from {Table(subject)} where {Q(subject.Key[0])} = any(@{SubjectSet})", null, null));

        var context = new Dictionary<string, List<string>>(StringComparer.Ordinal); // collection -> sets of keys pointing at it
        foreach (var (c, r) in PersonReferences().Where(x => x.Collection.Name != subject.Name))
        {
            var where = PersonCondition(r);
            steps.Add(new PlanStep(steps.Count + 1, c.Name, PlanAction.Select, $"rows where the person is {RelationName(r)} ({string.Join(", ", r.Columns)})",
                $"select * from {Table(c)} where {where}", null, null));

            // The person's own rows lead to their context (a message's conversation): metadata, not others' content.
            if (OwnRelations.Contains(r.Relation))
            {
                foreach (var link in c.References.Where(l => l.Relation == DataMap.Relation.Link && l.IsDirect && l.To != c.Name))
                {
                    var set = $"{c.Name}__{link.Columns[0]}";
                    steps.Add(new PlanStep(steps.Count + 1, c.Name, PlanAction.Select, $"keys of {link.To} that the person's {c.Name} rows point at",
                        $"select distinct {Q(link.Columns[0])} from {Table(c)} where {where} and {Q(link.Columns[0])} is not null", null, set));
                    context.TryAdd(link.To, []);
                    context[link.To].Add(set);
                }
            }

            foreach (var blob in c.Blobs)
            {
                steps.Add(FilesStep(steps.Count + 1, c, blob, where, "the person's"));
            }
        }

        foreach (var (target, sets) in context.Where(kv => kv.Key != subject.Name).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var t = map.Find(target)!;
            var key = Q(t.Key[0]);
            steps.Add(new PlanStep(steps.Count + 1, t.Name, PlanAction.Select, $"context: the {t.Name} the person's rows belong to (others in them are pseudonymised on export)",
                $"select * from {Table(t)} where {string.Join(" or ", sets.Select(s => $"{key} = any(@{s})"))}", null, null));
        }

        return new Plan("access", map.Name, store, Inputs(value), steps);
    }

    /// <summary>
    /// Erasure: rows of collections that delete go (dependants first, by key batches); rows that are kept lose their
    /// personal fields; pointers to the person in other people's rows are removed. Each change has a preview.
    /// </summary>
    public Plan Erase(IdentityKind kind, string value, byte[] pseudonymKey)
    {
        var steps = new List<PlanStep> { FindPerson(kind, 1) };
        var subject = Subject;
        var refs = PersonReferences().Where(x => x.Collection.Name != subject.Name).ToList();

        // Sets of the keys of the person's rows in deleting collections, read before anything changes.
        var deleting = refs.Where(x => x.Collection.RowErasure == RowErasure.Delete).GroupBy(x => x.Collection.Name).ToList();
        foreach (var g in deleting)
        {
            var c = g.First().Collection;
            if (c.Key.Count == 1)
            {
                steps.Add(new PlanStep(steps.Count + 1, c.Name, PlanAction.Select, $"keys of the {c.Name} rows that will be deleted",
                    $"select {Q(c.Key[0])} from {Table(c)} where {string.Join(" or ", g.Select(x => "(" + PersonCondition(x.Reference) + ")"))}", null, KeySet(c)));
            }
        }

        var deletingNames = deleting.Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var name in DeleteOrder(deletingNames))
        {
            var c = map.Find(name)!;
            // Rows of other collections that point at rows about to go: deleted with them, or unlinked.
            foreach (var (x, link) in map.Collections.SelectMany(x => x.References.Where(r => r.To == name && r.Relation == DataMap.Relation.Link && r.IsDirect).Select(r => (x, r))))
            {
                if (c.Key.Count != 1 || x.Name == name)
                {
                    continue;
                }

                var cond = $"{Q(link.Columns[0])} = any(@{KeySet(c)})";
                steps.Add(x.RowErasure == RowErasure.Delete
                    ? Change(steps.Count + 1, x, PlanAction.Delete, $"{x.Name} rows that point at the deleted {name} rows", cond, batched: true)
                    : Change(steps.Count + 1, x, PlanAction.Update, $"unlink {x.Name}.{link.Columns[0]} from the deleted {name} rows", cond, set: $"{Q(link.Columns[0])} = null"));
            }

            var own = deleting.Single(g => g.Key == name);
            var ownCondition = string.Join(" or ", own.Select(o => "(" + PersonCondition(o.Reference) + ")"));
            steps.AddRange(c.Blobs.Select(blob => FilesStep(steps.Count + 1, c, blob, ownCondition, "to delete with their rows")));
            steps.Add(Change(steps.Count + 1, c, PlanAction.Delete, $"the person's {c.Name} rows ({string.Join(", ", own.Select(o => RelationName(o.Reference)))})",
                ownCondition, batched: true));
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (c, r) in refs.Where(x => x.Collection.RowErasure == RowErasure.Keep))
        {
            var cond = PersonCondition(r);
            var column = r.Columns[0];
            if (OwnRelations.Contains(r.Relation))
            {
                var sets = FieldChanges(c, r, values).ToList();
                if (sets.Count > 0)
                {
                    steps.Add(Change(steps.Count + 1, c, PlanAction.Update, $"erase the personal fields of the person's {c.Name} rows ({RelationName(r)})", cond, set: string.Join(", ", sets)));
                }
            }
            else if (r.Array)
            {
                steps.Add(Change(steps.Count + 1, c, PlanAction.Update, $"remove the person from {c.Name}.{column} in other people's rows", cond,
                    set: $"{Q(column)} = (select array_agg(v) from unnest({Q(column)}) v where v <> all(@{SubjectSet}))"));
            }
            else if (c.Fields.FirstOrDefault(f => f.Column == column) is { Erasure: FieldErasure.SetNull })
            {
                steps.Add(Change(steps.Count + 1, c, PlanAction.Update, $"unlink the person from {c.Name}.{column} in other people's rows", cond, set: $"{Q(column)} = null"));
            }
        }

        var subjectSets = SubjectFieldChanges(subject, values).ToList();
        if (subject.RowErasure == RowErasure.Delete)
        {
            steps.Add(Change(steps.Count + 1, subject, PlanAction.Delete, "the person's own record", $"{Q(subject.Key[0])} = any(@{SubjectSet})", batched: false));
        }
        else if (subjectSets.Count > 0)
        {
            steps.Add(Change(steps.Count + 1, subject, PlanAction.Update, "strip the person's own record (kept so that others' history stays whole)",
                $"{Q(subject.Key[0])} = any(@{SubjectSet})", set: string.Join(", ", subjectSets)));
        }

        var inputs = Inputs(value);
        foreach (var (k, v) in values)
        {
            inputs[k] = v;
        }

        // Pseudonyms are keyed HMACs of the person's identity value: stable for the person, not reversible without the key.
        foreach (var k in values.Keys.Where(k => k.StartsWith("pseudonym_", StringComparison.Ordinal)).ToList())
        {
            inputs[k] = "pseudonym-" + Convert.ToHexStringLower(HMACSHA256.HashData(pseudonymKey, Encoding.UTF8.GetBytes($"{map.Name}/{k}/{value}")))[..24];
        }

        return new Plan("erasure", map.Name, store, inputs, steps);
    }

    /// <summary>A purge of a collection's rows dated before a cutoff, dependants first, in key batches.</summary>
    public Plan Purge(string collection)
    {
        var c = map.Find(collection) ?? throw new ArgumentException($"Map '{map.Name}' has no collection '{collection}'.", nameof(collection));
        if (c.DatedBy is null)
        {
            throw new ArgumentException($"Collection '{collection}' has no dated_by column: rows cannot be aged.", nameof(collection));
        }

        if (c.Key.Count != 1)
        {
            throw new ArgumentException($"Collection '{collection}' has a composite key; purging it is not planned yet.", nameof(collection));
        }

        var steps = new List<PlanStep>
        {
            new(1, c.Name, PlanAction.Select, $"keys of the {c.Name} rows dated before the cutoff (one batch)",
                $"select {Q(c.Key[0])} from {Table(c)} where {Q(c.DatedBy)} < @{CutoffInput} order by {Q(c.Key[0])} limit @{BatchInput}", null, KeySet(c)),
        };
        foreach (var (x, link) in map.Collections.SelectMany(x => x.References.Where(r => r.To == c.Name && r.IsDirect).Select(r => (x, r))))
        {
            var cond = $"{Q(link.Columns[0])} = any(@{KeySet(c)})";
            if (x.Name == c.Name)
            {
                steps.Add(Change(steps.Count + 1, x, PlanAction.Update, $"unlink {x.Name}.{link.Columns[0]} from purged rows", cond, set: $"{Q(link.Columns[0])} = null"));
            }
            else
            {
                steps.Add(x.RowErasure == RowErasure.Delete
                    ? Change(steps.Count + 1, x, PlanAction.Delete, $"{x.Name} rows of the purged {c.Name} rows", cond, batched: false)
                    : Change(steps.Count + 1, x, PlanAction.Update, $"unlink {x.Name}.{link.Columns[0]} from purged rows", cond, set: $"{Q(link.Columns[0])} = null"));
            }
        }

        steps.Add(Change(steps.Count + 1, c, PlanAction.Delete, $"the purged {c.Name} rows", $"{Q(c.Key[0])} = any(@{KeySet(c)})", batched: false));
        return new Plan("purge", map.Name, store, new Dictionary<string, object?> { [CutoffInput] = null, [BatchInput] = 5_000 }, steps);
    }

    private IEnumerable<string> FieldChanges(Collection c, Reference reachedBy, Dictionary<string, object?> values)
    {
        foreach (var f in c.Fields)
        {
            var pointer = f.Erasure == FieldErasure.Pseudonymise
                && c.References.Any(r => r.Relation != DataMap.Relation.Link && r.To == Subject.Name && r.Columns.Contains(f.Column));
            if (pointer)
            {
                // A pointer to the person in a kept row: it keeps pointing at the person's record when that record is
                // kept and stripped; when the record is deleted, the pointer itself is replaced by the person's pseudonym.
                if (reachedBy.Columns.Contains(f.Column) && Subject.RowErasure == RowErasure.Delete)
                {
                    values[PersonPseudonym] = null;
                    yield return PointerPseudonym(reachedBy);
                }

                continue;
            }

            if (SetClause(c, f, values) is { } clause)
            {
                yield return clause;
            }
        }
    }

    public const string PersonPseudonym = "pseudonym_person";

    private static string PointerPseudonym(Reference r)
    {
        var column = Q(r.Columns[0]);
        if (r.JsonPath is not null)
        {
            return $"{column} = jsonb_set({column}, '{{{string.Join(',', r.JsonPath[2..].Split('.'))}}}', to_jsonb(@{PersonPseudonym}::text))";
        }

        return r.Array
            ? $"{column} = (select array_agg(case when v = any(@{SubjectSet}) then @{PersonPseudonym} else v end order by o) from unnest({column}) with ordinality u(v, o))"
            : $"{column} = @{PersonPseudonym}";
    }

    private IEnumerable<string> SubjectFieldChanges(Collection subject, Dictionary<string, object?> values) =>
        subject.Fields.Select(f => SetClause(subject, f, values)).OfType<string>();

    private static string? SetClause(Collection c, Field f, Dictionary<string, object?> values)
    {
        switch (f.Erasure)
        {
            case FieldErasure.SetNull:
                return $"{Q(f.Column)} = null";
            case FieldErasure.Replace:
                var name = $"replacement_{c.Name}_{f.Column}";
                values[name] = f.Replacement;
                return $"{Q(f.Column)} = @{name}";
            case FieldErasure.Pseudonymise:
                var p = $"pseudonym_{c.Name}_{f.Column}";
                values[p] = null; // filled with the keyed HMAC by the caller
                return $"{Q(f.Column)} = @{p}";
            default:
                return null;
        }
    }

    /// <summary>Deleting collections in an order where rows that point at others go first.</summary>
    private IEnumerable<string> DeleteOrder(HashSet<string> names)
    {
        var done = new List<string>();
        var remaining = names.Order(StringComparer.Ordinal).ToList();
        while (remaining.Count > 0)
        {
            // A collection can go when no other remaining collection points at it (the validator's rule, which rules out cycles).
            var pending = remaining.ToHashSet(StringComparer.Ordinal);
            var next = remaining.First(n => !remaining.Any(o => o != n && map.Find(o)!.References.Any(r => r.To == n && DataMapValidator.OrdersDeletes(r, map.Find(o)!, pending))));
            done.Add(next);
            remaining.Remove(next);
        }

        return done;
    }

    private static PlanStep FilesStep(int order, Collection c, Blob blob, string condition, string whose) =>
        new(order, c.Name, PlanAction.Files, $"files named by {c.Name}.{blob.Column} ({whose})" + (blob.RegionColumn is null ? "" : $", stored in the region of {blob.RegionColumn}"),
            $"select {Q(blob.Column)}{(blob.RegionColumn is null ? "" : ", " + Q(blob.RegionColumn))} from {Table(c)} where {condition}", null, null);

    private static PlanStep Change(int order, Collection c, PlanAction action, string description, string condition, bool batched = false, string? set = null)
    {
        var keys = string.Join(", ", c.Key.Select(Q));
        var keyTuple = c.Key.Count == 1 ? Q(c.Key[0]) : $"({keys})";
        var sql = action switch
        {
            PlanAction.Delete when batched =>
                $"delete from {Table(c)} where {keyTuple} in (select {keys} from {Table(c)} where {condition} limit @{BatchInput})",
            PlanAction.Delete => $"delete from {Table(c)} where {condition}",
            _ => $"update {Table(c)} set {set} where {condition}",
        };
        return new PlanStep(order, c.Name, action, description, sql, $"select {keys} from {Table(c)} where {condition}", null);
    }

    /// <summary>Values the plan's SQL binds besides key sets (patterns of embedded ids).</summary>
    private readonly Dictionary<string, object?> _literals = new(StringComparer.Ordinal);

    /// <summary>The SQL condition for rows whose reference points at the person (the key set @subject).</summary>
    private string PersonCondition(Reference r)
    {
        var column = Q(r.Columns[0]);
        if (r.JsonPath is not null)
        {
            var path = string.Join(',', r.JsonPath[2..].Split('.'));
            return $"({column} #>> '{{{path}}}') = any(@{SubjectSet}::text[])";
        }

        if (r.Pattern is not null)
        {
            // The same expression in PostgreSQL's dialect (named groups become plain ones), bound as a parameter.
            var name = $"pattern_{r.Columns[0]}_{_literals.Count}";
            _literals[name] = PgPattern(r.Pattern);
            return $"exists (select 1 from unnest(regexp_match({column}::text, @{name})) g where g = any(@{SubjectSet}::text[]))";
        }

        return r.Array ? $"{column} && @{SubjectSet}" : $"{column} = any(@{SubjectSet})";
    }

    public static string PgPattern(string pattern) => NamedGroup().Replace(pattern, "(");

    private static string RelationName(Reference r) => NameStyle.Kebab(r.Relation);

    private static string KeySet(Collection c) => $"{c.Name}__keys";

    private Dictionary<string, object?> Inputs(string value) =>
        new(_literals, StringComparer.Ordinal) { [IdentityInput] = value, [BatchInput] = 5_000 };

    /// <summary>A quoted identifier. Names were validated as plain identifiers when the map was loaded; quoting keeps case and keywords safe.</summary>
    public static string Q(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Table(Collection c)
    {
        var (schema, table) = c.QualifiedTable;
        return $"{Q(schema)}.{Q(table)}";
    }

    [GeneratedRegex(@"\(\?<[A-Za-z][A-Za-z0-9]*>")]
    private static partial Regex NamedGroup();
}
