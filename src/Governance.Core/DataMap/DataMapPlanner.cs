namespace Governance.Core.DataMap;

/// <summary>
/// Walks a data map to plan access, erasure and purges. SQL is built only from the map's validated identifiers,
/// always quoted; every value is a parameter. Plans execute nothing: <see cref="PlanRunner"/>, a job or a person runs them.
/// </summary>
/// <remarks>
/// Which rows are the person's: rows of the subject collection found from the identities, and rows of other
/// collections whose references point at the person (directly, through a value derived from their key, inside a
/// JSON document or embedded in text). Rows reached through an owner, author or participant reference are the
/// person's own; those reached through about or mentioned belong to someone else and only the pointer to the
/// person is handled there. The planner keeps no state between calls: each plan is built by its own builder.
/// With a <see cref="StoreSchema"/> it writes the cheapest SQL for each column's type; without one, SQL that is
/// right for any type (JSON read through a tolerant cast).
/// </remarks>
public sealed class DataMapPlanner(DataMapDocument map, string store, StoreSchema? schema = null)
{
    public const string SubjectSet = "subject";
    public const string IdentityInput = "identity";
    public const string BatchInput = "batch";
    public const string CutoffInput = "cutoff";

    /// <summary>Reads text as JSON, or null when it is not JSON (PostgreSQL 15 has no tolerant cast). Lives in pg_temp: gone with the session.</summary>
    public const string JsonHelper = """
        create or replace function pg_temp.gov_jsonb(t text) returns jsonb language plpgsql immutable as $$
        begin
            return t::jsonb;
        exception when others then
            return null;
        end $$
        """;

    private StoreSchema? Schema => schema;

    private string MapName => map.Name;

    private string StoreName => store;

    private static readonly Relation[] OwnRelations = [DataMap.Relation.Owner, DataMap.Relation.Author, DataMap.Relation.Participant];

    private Collection Subject => map.SubjectCollection!;

    /// <summary>Every reference in the map that points at the person, with its collection.</summary>
    private IEnumerable<(Collection Collection, Reference Reference)> PersonReferences() =>
        map.Collections.SelectMany(c => c.References.Where(r => r.To == Subject.Name && r.Relation != DataMap.Relation.Link).Select(r => (c, r)));

    public bool HasIdentity(IdentityKind kind) => map.Identities.Any(i => i.Kind == kind);

    public Plan Access(IdentityKind kind, string value)
    {
        var b = new Builder(this, value);
        FindPerson(b, kind);
        var subject = Subject;
        // The person's own record and own rows are read whole: every column of them is theirs to receive (Art. 15,
        // 20). Other people's rows below are read by named columns only.
        b.Add(subject, PlanAction.Select, StepRole.Own, "the person's own record",
            $"select * from {Table(subject)} where {Q(subject.Key[0])} = any(@{SubjectSet})");

        var context = new Dictionary<string, List<string>>(StringComparer.Ordinal); // collection -> key sets pointing at it
        foreach (var (c, r) in PersonReferences().Where(x => x.Collection.Name != subject.Name))
        {
            var where = b.PersonCondition(c, r);
            if (!OwnRelations.Contains(r.Relation))
            {
                // Someone else's row that points at the person: what points, when, and where; not the row's content.
                b.Add(c, PlanAction.Select, StepRole.PointsAtPerson, $"rows where the person is {RelationName(r)} ({string.Join(", ", r.Columns)}): key and metadata only",
                    $"select {Columns(ContextColumns(c))} from {Table(c)} where {where}");
                b.AddUnreadable(c, r);
                continue;
            }

            b.Add(c, PlanAction.Select, StepRole.Own, $"rows where the person is {RelationName(r)} ({string.Join(", ", r.Columns)})",
                $"select * from {Table(c)} where {where}");
            b.AddUnreadable(c, r);

            // The person's own rows lead to their context (a message's conversation, a reacted message): metadata, not others' content.
            foreach (var link in c.References.Where(l => l.Relation == DataMap.Relation.Link && l.IsDirect && l.To != c.Name && l.To != subject.Name))
            {
                var set = $"{c.Name}__{link.Columns[0]}";
                b.Add(c, PlanAction.Select, StepRole.Keys, $"keys of {link.To} that the person's {c.Name} rows point at",
                    $"select distinct {Q(link.Columns[0])} from {Table(c)} where {where} and {Q(link.Columns[0])} is not null", produces: set);
                context.TryAdd(link.To, []);
                context[link.To].Add(set);
            }

            foreach (var blob in c.Blobs)
            {
                b.Add(FilesStep(c, blob, where, "the person's"));
            }
        }

        foreach (var (target, sets) in context.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var t = map.Find(target)!;
            var key = Q(t.Key[0]);
            b.Add(t, PlanAction.Select, StepRole.Context, $"context: the {t.Name} the person's rows belong to (metadata only; others' content and ids left out)",
                $"select {Columns(ContextColumns(t))} from {Table(t)} where {string.Join(" or ", sets.Select(s => $"{key} = any(@{s})"))}");
        }

        return b.Build("access", null);
    }

    /// <summary>
    /// Erasure: rows of collections that delete go (with every dependant, deepest first, their files listed before
    /// them); rows that are kept lose their personal fields (whole columns, keys inside JSON documents, the
    /// person's part of embedded ids); pointers to the person in other people's rows are removed or pseudonymised.
    /// Each change has a preview. Pseudonyms are keyed from the person's key once found (<paramref name="pseudonyms"/>).
    /// </summary>
    public Plan Erase(IdentityKind kind, string value, Pseudonyms pseudonyms)
    {
        var b = new Builder(this, value);
        FindPerson(b, kind);
        var subject = Subject;
        var refs = PersonReferences().Where(x => x.Collection.Name != subject.Name).ToList();

        // Rows of deleting collections that are the person's, and every row that depends on them.
        // Other people's rows that only mention the person are not theirs to delete, unless the map says so (delete-row).
        bool Deletes((Collection Collection, Reference Reference) x) =>
            x.Collection.RowErasure == RowErasure.Delete && (OwnRelations.Contains(x.Reference.Relation) || x.Reference.Erasure == FieldErasure.DeleteRow);
        var roots = refs.Where(Deletes).GroupBy(x => x.Collection.Name)
            .Select(g => (Collection: g.First().Collection, Condition: string.Join(" or ", g.Select(x => "(" + b.PersonCondition(x.Collection, x.Reference) + ")")),
                Why: $"the person's {g.Key} rows ({string.Join(", ", g.Select(x => RelationName(x.Reference)).Distinct())})"))
            .ToList();
        DeleteCascade(b, roots.Select(r => new CascadeRoot(r.Collection, r.Condition, null, r.Why)).ToList());

        foreach (var (c, r) in refs.Where(x => !Deletes(x)))
        {
            if (OwnRelations.Contains(r.Relation))
            {
                EraseOwnFields(b, c, r);
            }
            else
            {
                UnlinkPointer(b, c, r);
            }
        }

        if (subject.RowErasure == RowErasure.Delete)
        {
            b.Change(subject, PlanAction.Delete, "the person's own record", $"{Q(subject.Key[0])} = any(@{SubjectSet})");
        }
        else
        {
            var own = $"{Q(subject.Key[0])} = any(@{SubjectSet})";
            var sets = subject.Fields.Where(f => !f.IsJson).Select(f => b.SetClause(subject, f)).OfType<string>().ToList();
            if (sets.Count > 0)
            {
                b.Change(subject, PlanAction.Update, "strip the person's own record (kept so that others' history stays whole)", own, set: string.Join(", ", sets));
            }

            b.RewriteJsonFields(subject, own, "the person's own record");
        }

        return b.Build("erasure", pseudonyms);
    }

    /// <summary>A purge of a collection's rows dated before a cutoff (one batch of keys), with every dependant and their files.</summary>
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

        var b = new Builder(this, null);
        b.Inputs[CutoffInput] = null;
        DeleteCascade(b, [new CascadeRoot(c, null,
            $"select {Q(c.Key[0])} from {Table(c)} where {Q(c.DatedBy)} < @{CutoffInput} order by {Q(c.Key[0])} limit @{BatchInput}",
            $"the purged {c.Name} rows (dated before the cutoff, one batch)")]);
        return b.Build("purge", null);
    }

    private sealed record CascadeRoot(Collection Collection, string? Condition, string? KeysSql, string Why);

    /// <summary>
    /// Deletes the roots' rows and, through links, every row that depends on them, deepest first: key sets are
    /// read parents first before anything changes; kept rows that point at deleted rows (and a collection's links to
    /// itself) are unlinked; the files of every deleted row are listed before it goes.
    /// </summary>
    private void DeleteCascade(Builder b, IReadOnlyList<CascadeRoot> roots)
    {
        var conditions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var why = new Dictionary<string, string>(StringComparer.Ordinal);
        var keysSql = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in roots)
        {
            conditions[r.Collection.Name] = r.Condition is null ? [] : [r.Condition];
            why[r.Collection.Name] = r.Why;
            if (r.KeysSql is not null)
            {
                keysSql[r.Collection.Name] = r.KeysSql;
            }
        }

        // The closure of deleting dependants.
        var queue = new Queue<string>(conditions.Keys.Order(StringComparer.Ordinal));
        while (queue.Count > 0)
        {
            var parent = map.Find(queue.Dequeue())!;
            if (parent.Key.Count != 1)
            {
                continue;
            }

            foreach (var (x, link) in LinksTo(parent).Where(l => l.From.Name != parent.Name && l.From.RowErasure == RowErasure.Delete))
            {
                if (!conditions.ContainsKey(x.Name))
                {
                    conditions[x.Name] = [];
                    why[x.Name] = $"{x.Name} rows that depend on the deleted {parent.Name} rows";
                    queue.Enqueue(x.Name);
                }

                conditions[x.Name].Add($"{Q(link.Columns[0])} = any(@{KeySet(parent)})");
            }
        }

        var order = ParentsFirst(conditions.Keys.ToHashSet(StringComparer.Ordinal));
        foreach (var name in order.Where(n => map.Find(n)!.Key.Count == 1))
        {
            var x = map.Find(name)!;
            b.Add(x, PlanAction.Select, StepRole.Keys, $"keys of {why[name]}, read before anything changes",
                keysSql.GetValueOrDefault(name) ?? $"select {Q(x.Key[0])} from {Table(x)} where {string.Join(" or ", conditions[name].Select(c => "(" + c + ")"))}",
                produces: KeySet(x));
        }

        foreach (var name in Enumerable.Reverse(order))
        {
            var x = map.Find(name)!;
            var own = x.Key.Count == 1 ? $"{Q(x.Key[0])} = any(@{KeySet(x)})" : string.Join(" or ", conditions[name].Select(c => "(" + c + ")"));
            if (x.Key.Count == 1)
            {
                foreach (var (y, link) in LinksTo(x).Where(l => l.From.Name == x.Name || !conditions.ContainsKey(l.From.Name)))
                {
                    var pointing = $"{Q(link.Columns[0])} = any(@{KeySet(x)})";
                    b.Change(y, PlanAction.Update, y.Name == x.Name ? $"unlink {y.Name}.{link.Columns[0]} of the rows that stay from the deleted ones" : $"unlink {y.Name}.{link.Columns[0]} from the deleted {x.Name} rows",
                        y.Name == x.Name ? $"{pointing} and not ({own})" : pointing, set: $"{Q(link.Columns[0])} = null");
                }
            }

            foreach (var blob in x.Blobs)
            {
                b.Add(FilesStep(x, blob, own, "to delete with their rows"));
            }

            b.Change(x, PlanAction.Delete, why[name], own, batched: true);
        }
    }

    /// <summary>Direct links (one column to a one-column key) from any collection to <paramref name="target"/>.</summary>
    private IEnumerable<(Collection From, Reference Link)> LinksTo(Collection target) =>
        map.Collections.SelectMany(x => x.References.Where(r => r.To == target.Name && r.Relation == DataMap.Relation.Link && r.IsDirect).Select(r => (x, r)));

    /// <summary>Collections in an order where the rows pointed at come before the rows that point at them (the validator rules out cycles).</summary>
    private List<string> ParentsFirst(HashSet<string> names)
    {
        var done = new List<string>();
        var remaining = names.Order(StringComparer.Ordinal).ToList();
        while (remaining.Count > 0)
        {
            var pending = remaining.ToHashSet(StringComparer.Ordinal);
            var next = remaining.FirstOrDefault(n => !map.Find(n)!.References.Any(r => r.To != n && pending.Contains(r.To) && DataMapValidator.OrdersDeletes(r, map.Find(n)!, pending)))
                ?? remaining[0];
            done.Add(next);
            remaining.Remove(next);
        }

        return done;
    }

    /// <summary>The person's own rows of a kept collection lose their personal fields.</summary>
    private void EraseOwnFields(Builder b, Collection c, Reference reachedBy)
    {
        var cond = b.PersonCondition(c, reachedBy);
        var sets = new List<string>();
        var pointerEdits = new List<RowEdit>();
        foreach (var f in c.Fields.Where(f => !f.IsJson))
        {
            var pointer = c.References.FirstOrDefault(r => r.Relation != DataMap.Relation.Link && r.To == Subject.Name && r.Columns.Contains(f.Column));
            if (pointer is null || f.Erasure != FieldErasure.Pseudonymise)
            {
                if (b.SetClause(c, f) is { } clause)
                {
                    sets.Add(clause);
                }

                continue;
            }

            // A pseudonymised pointer to the person in a kept row. Embedded in a value (a name made of ids, a JSON
            // document), the person's part is replaced by their pseudonym. A plain pointer keeps pointing at the
            // person's record when that record is kept and stripped; when the record is deleted, the pointer becomes
            // the person's pseudonym. Pointers of the row to other people are left to their own erasure.
            if (pointer != reachedBy)
            {
                continue;
            }

            if (pointer.IsEmbedded)
            {
                pointerEdits.Add(b.PointerEdit(c, pointer, f.PseudonymFormat, remove: false));
            }
            else if (Subject.RowErasure == RowErasure.Delete)
            {
                sets.Add(b.PointerPseudonym(c, pointer, f.PseudonymFormat));
            }
        }

        if (sets.Count > 0)
        {
            b.Change(c, PlanAction.Update, $"erase the personal fields of the person's {c.Name} rows ({RelationName(reachedBy)})", cond, set: string.Join(", ", sets));
        }

        if (pointerEdits.Count > 0)
        {
            b.Rewrite(c, reachedBy.Columns[0], pointerEdits, cond, $"replace the person's id in {c.Name}.{reachedBy.Columns[0]} with their pseudonym");
        }

        b.RewriteJsonFields(c, cond, $"the person's {c.Name} rows ({RelationName(reachedBy)})");
    }

    /// <summary>In other people's rows only the pointer to the person is handled: removed from lists, nulled, or pseudonymised.</summary>
    private void UnlinkPointer(Builder b, Collection c, Reference r)
    {
        var cond = b.PersonCondition(c, r);
        var column = r.Columns[0];
        var erasure = r.Erasure ?? c.Fields.FirstOrDefault(f => f.Column == column && !f.IsJson)?.Erasure;
        var format = r.PseudonymFormat ?? c.Fields.FirstOrDefault(f => f.Column == column && f.Erasure == FieldErasure.Pseudonymise)?.PseudonymFormat;
        if (r.IsEmbedded)
        {
            // Inside a document: an id in a list goes; a single id or an id in text becomes the pseudonym (or stays, if the map keeps it).
            var inList = r.JsonPath is not null && r.JsonPath.EndsWith("[*]", StringComparison.Ordinal);
            if (erasure == FieldErasure.Keep || (!inList && erasure is not FieldErasure.Pseudonymise))
            {
                return;
            }

            b.Rewrite(c, column, [b.PointerEdit(c, r, format, remove: inList && erasure != FieldErasure.Pseudonymise)], cond,
                $"{(inList && erasure != FieldErasure.Pseudonymise ? "remove the person from" : "pseudonymise the person in")} {c.Name}.{column} in other people's rows");
        }
        else if (r.Array)
        {
            var set = b.SetFor(r);
            b.Change(c, PlanAction.Update, $"remove the person from {c.Name}.{column} in other people's rows (order kept)", cond,
                set: $"{Q(column)} = array(select v from unnest({Q(column)}) with ordinality u(v, o) where v <> all(@{set}) order by o)");
        }
        else if (erasure == FieldErasure.SetNull)
        {
            b.Change(c, PlanAction.Update, $"unlink the person from {c.Name}.{column} in other people's rows", cond, set: $"{Q(column)} = null");
        }
        else if (erasure == FieldErasure.Pseudonymise && Subject.RowErasure == RowErasure.Delete)
        {
            b.Change(c, PlanAction.Update, $"pseudonymise the person in {c.Name}.{column} in other people's rows", cond, set: b.PointerPseudonym(c, r, format));
        }
    }

    /// <summary>Finds the person: the subject's keys from every identity of the kind (several columns, other tables, conditions).</summary>
    private void FindPerson(Builder b, IdentityKind kind)
    {
        var identities = map.Identities.Where(i => i.Kind == kind).ToList();
        if (identities.Count == 0)
        {
            throw new ArgumentException($"Map '{map.Name}' has no {NameStyle.Kebab(kind)} identity.", nameof(kind));
        }

        var subject = Subject;
        var key = Q(subject.Key[0]);
        var parts = new List<string>();
        foreach (var identity in identities)
        {
            var c = map.Find(identity.Collection)!;
            var match = b.IdentityMatch(c, identity);
            if (identity.When is { } when)
            {
                match += " and " + b.ConditionSql(c, when);
            }

            if (c.Name == subject.Name)
            {
                parts.Add($"select {key} from {Table(c)} where {match}");
                continue;
            }

            var via = map.IdentityReference(identity)
                ?? throw new ArgumentException($"Identity {NameStyle.Kebab(kind)} in '{c.Name}' has no reference to '{subject.Name}'.", nameof(kind));
            parts.Add(via.Derive is null
                ? $"select {Q(via.Columns[0])} from {Table(c)} where {match}"
                : $"select s.{key} from {Table(subject)} s where {DeriveSql(via.Derive, $"s.{key}::text")} in (select {Q(via.Columns[0])}::text from {Table(c)} where {match})");
        }

        b.Add(identities.Count == 1 ? map.Find(identities[0].Collection)! : subject, PlanAction.Select, StepRole.Find, $"find the person by {NameStyle.Kebab(kind)}",
            parts.Count == 1 ? parts[0].Replace("select ", "select distinct ", StringComparison.Ordinal) : $"select distinct k from ({string.Join(" union all ", parts)}) found(k)",
            produces: SubjectSet);
    }

    /// <summary>The SQL that derives a stored value from a key expression (text).</summary>
    public static string DeriveSql(Derivation d, string key)
    {
        var parts = new List<string>();
        var rest = d.Template;
        while (rest.Length > 0)
        {
            var k = rest.IndexOf(Derivation.Key, StringComparison.Ordinal);
            var l = rest.IndexOf(Derivation.LocalPart, StringComparison.Ordinal);
            var next = new[] { k, l }.Where(i => i >= 0).DefaultIfEmpty(-1).Min();
            if (next < 0)
            {
                parts.Add(Literal(rest));
                break;
            }

            if (next > 0)
            {
                parts.Add(Literal(rest[..next]));
            }

            var isKey = next == k;
            parts.Add(isKey ? key : $"substring({key} from '^[^[:alnum:]]?([^:]*)')");
            rest = rest[(next + (isKey ? Derivation.Key.Length : Derivation.LocalPart.Length))..];
        }

        var sql = parts.Count == 1 ? parts[0] : "(" + string.Join(" || ", parts) + ")";
        return d.Case switch
        {
            CaseFold.Lower => $"lower({sql})",
            CaseFold.Upper => $"upper({sql})",
            _ => sql,
        };
    }

    /// <summary>Columns of a row that describe it without its content or other people's ids: key, date, region, links, metadata fields.</summary>
    private IReadOnlyList<string> ContextColumns(Collection c)
    {
        var personPointers = c.References.Where(r => r.Relation != DataMap.Relation.Link || r.To == Subject.Name).SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);
        var columns = new List<string>(c.Key);
        if (c.DatedBy is not null)
        {
            columns.Add(c.DatedBy);
        }

        if (c.RegionColumn is not null)
        {
            columns.Add(c.RegionColumn);
        }

        columns.AddRange(c.References.Where(r => r.IsKeyLink && !r.Array && r.Relation == DataMap.Relation.Link && r.To != Subject.Name).SelectMany(r => r.Columns));
        columns.AddRange(c.Fields.Where(f => f.Category == FieldCategory.Metadata && !f.IsJson && f.Erasure != FieldErasure.DeleteRow).Select(f => f.Column));
        return columns.Where(x => !personPointers.Contains(x) || c.Key.Contains(x)).Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Columns(IEnumerable<string> columns) => string.Join(", ", columns.Select(Q));

    private static PlanStep FilesStep(Collection c, Blob blob, string condition, string whose)
    {
        var path = BlobPaths.Sql(blob);
        return new PlanStep(0, c.Name, PlanAction.Files,
            $"files named by {c.Name}.{blob.Column}{(blob.Path is null ? "" : $" (path {blob.Path})")} ({whose})" + (blob.RegionColumn is null ? "" : $", stored in the region of {blob.RegionColumn}"),
            $"select {path} as path{(blob.RegionColumn is null ? "" : ", " + Q(blob.RegionColumn))} from {Table(c)} where ({condition}) and {path} is not null", null, null)
        {
            Role = StepRole.Files,
            Target = new ChangeTarget(Table(c), c.Key, $"({condition}) and {path} is not null", null),
            FilePath = (path, blob.RegionColumn is null ? null : Q(blob.RegionColumn)),
        };
    }

    private static string RelationName(Reference r) => NameStyle.Kebab(r.Relation);

    private static string KeySet(Collection c) => $"{c.Name}__keys";

    /// <summary>A quoted identifier. Names were validated as plain identifiers when the map was loaded; quoting keeps case and keywords safe.</summary>
    public static string Q(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// A SQL string literal of text the validator allowed (templates: letters, digits and a few marks). An '@' is
    /// written as chr(64), so that no literal reads as a parameter name (@corp in "{localpart}@corp").
    /// </summary>
    private static string Literal(string text) =>
        "'" + text.Replace("'", "''", StringComparison.Ordinal).Replace("@", "' || chr(64) || '", StringComparison.Ordinal) + "'";

    private static string Table(Collection c)
    {
        var (s, t) = c.QualifiedTable;
        return $"{Q(s)}.{Q(t)}";
    }

    /// <summary>The steps, inputs and helpers of one plan being built.</summary>
    private sealed class Builder(DataMapPlanner planner, string? identity)
    {
        private readonly List<PlanStep> _steps = [];
        private readonly List<string> _setup = [];
        private readonly Dictionary<string, string> _derived = new(StringComparer.Ordinal); // derivation -> set name
        private readonly Dictionary<string, string> _pseudonyms = new(StringComparer.Ordinal); // format -> input name

        public Dictionary<string, object?> Inputs { get; } = new(StringComparer.Ordinal);

        public void Add(Collection c, PlanAction action, StepRole role, string description, string sql, string? produces = null) =>
            Add(new PlanStep(0, c.Name, action, description, sql, null, produces) { Role = role });

        public void Add(PlanStep step) => _steps.Add(step with { Order = _steps.Count + 1 });

        public void Change(Collection c, PlanAction action, string description, string condition, bool batched = false, string? set = null)
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
            if (batched)
            {
                Inputs[BatchInput] = 5_000;
            }

            Add(new PlanStep(0, c.Name, action, description, sql, $"select {keys} from {Table(c)} where {condition}", null)
            {
                Role = StepRole.Change,
                Writes = set is null ? [] : PlanStep.AssignedColumns(set),
                Target = new ChangeTarget(Table(c), c.Key, condition, action == PlanAction.Delete ? null : set),
            });
        }

        public void Rewrite(Collection c, string column, IReadOnlyList<RowEdit> edits, string condition, string description)
        {
            var discriminators = edits.Select(e => e.When?.Column).OfType<string>().Where(d => d != column).Distinct(StringComparer.Ordinal).ToList();
            var keys = string.Join(", ", c.Key.Select(Q));
            Add(new PlanStep(0, c.Name, PlanAction.Rewrite, description,
                $"select {string.Join(", ", c.Key.Concat([column]).Concat(discriminators).Select(Q))} from {Table(c)} where ({condition}) and {Q(column)} is not null",
                $"select {keys} from {Table(c)} where ({condition}) and {Q(column)} is not null", null)
            {
                Role = StepRole.Change,
                Rewrite = new RewriteSpec(Table(c), column, c.Key, edits, discriminators),
                Writes = [column],
                Target = new ChangeTarget(Table(c), c.Key, $"({condition}) and {Q(column)} is not null", null),
            });
        }

        /// <summary>Keys inside JSON documents of the given rows that the map names as fields: removed or replaced, per document kind.</summary>
        public void RewriteJsonFields(Collection c, string condition, string whose)
        {
            foreach (var group in c.Fields.Where(f => f.IsJson && f.Erasure is not (FieldErasure.Keep or FieldErasure.DeleteRow)).GroupBy(f => f.Column))
            {
                // A key that points at a person (a sender, a state key) is changed only where it is this person.
                var edits = group.Select(f => (RowEdit)new JsonRowEdit(f.JsonPath!, f.Erasure switch
                {
                    FieldErasure.Replace => Replacement(c, f),
                    FieldErasure.Pseudonymise => Pseudonym(f.PseudonymFormat),
                    _ => null,
                }, c.References.FirstOrDefault(r => r.To == planner.Subject.Name && r.Columns[0] == f.Column && r.JsonPath == f.JsonPath) is { } pointer ? SetFor(pointer) : null, f.When)).ToList();
                Rewrite(c, group.Key, edits, condition, $"erase keys inside {c.Name}.{group.Key} of {whose}: {string.Join(", ", group.Select(f => f.JsonPath))}");
            }
        }

        public RowEdit PointerEdit(Collection c, Reference r, string? format, bool remove)
        {
            var set = SetFor(r);
            if (r.Pattern is not null)
            {
                return new PatternRowEdit(r.Pattern, set, Pseudonym(format), null);
            }

            return new JsonRowEdit(r.JsonPath!, remove ? null : Pseudonym(format), set, null);
        }

        public string PointerPseudonym(Collection c, Reference r, string? format)
        {
            var column = Q(r.Columns[0]);
            var p = Pseudonym(format);
            return r.Array
                ? $"{column} = array(select case when v = any(@{SetFor(r)}) then @{p} else v end from unnest({column}) with ordinality u(v, o) order by o)"
                : $"{column} = @{p}";
        }

        public string? SetClause(Collection c, Field f)
        {
            switch (f.Erasure)
            {
                case FieldErasure.SetNull:
                    return $"{Q(f.Column)} = null";
                case FieldErasure.Replace:
                    return $"{Q(f.Column)} = @{Replacement(c, f)}";
                case FieldErasure.Pseudonymise:
                    return $"{Q(f.Column)} = @{Pseudonym(f.PseudonymFormat)}";
                default:
                    return null;
            }
        }

        private string Replacement(Collection c, Field f)
        {
            var name = $"replacement_{c.Name}_{f.Column}" + (f.JsonPath is null ? "" : "_" + Inputs.Count);
            Inputs[name.ToLowerInvariant()] = f.Replacement;
            return name.ToLowerInvariant();
        }

        private string Pseudonym(string? format)
        {
            var f = format ?? Pseudonyms.DefaultFormat;
            if (!_pseudonyms.TryGetValue(f, out var name))
            {
                name = _pseudonyms.Count == 0 ? "pseudonym_person" : $"pseudonym_person_{_pseudonyms.Count + 1}";
                _pseudonyms[f] = name;
            }

            return name;
        }

        /// <summary>The key set that a reference's column compares with: the person's keys, or their derived form (a step that computes it is added once).</summary>
        public string SetFor(Reference r)
        {
            if (r.Derive is null && r.ToColumn is null)
            {
                return SubjectSet;
            }

            var id = $"{r.ToColumn}|{r.Derive?.Template}|{r.Derive?.Case}";
            if (!_derived.TryGetValue(id, out var name))
            {
                name = $"{SubjectSet}__derived{_derived.Count + 1}";
                _derived[id] = name;
                var subject = planner.Subject;
                var derive = r.Derive ?? new Derivation(Derivation.Key, CaseFold.None, r.Where);
                var sql = r.ToColumn is null
                    ? $"select distinct {DeriveSql(derive, "k")} from unnest(@{SubjectSet}::text[]) k"
                    : $"select distinct {DeriveSql(derive, $"{Q(r.ToColumn)}::text")} from {Table(subject)} where {Q(subject.Key[0])} = any(@{SubjectSet}) and {Q(r.ToColumn)} is not null";
                Add(subject, PlanAction.Select, StepRole.Keys,
                    $"the person's {(r.ToColumn is null ? "key" : r.ToColumn)} as stored where it is derived ({derive.Template}{(derive.Case == CaseFold.None ? "" : ", " + NameStyle.Kebab(derive.Case))})",
                    sql, produces: name);
            }

            return name;
        }

        /// <summary>The SQL condition for rows whose reference points at the person.</summary>
        public string PersonCondition(Collection c, Reference r)
        {
            var column = Q(r.Columns[0]);
            var set = SetFor(r);
            if (r.JsonPath is not null)
            {
                var doc = JsonOf(c, r.Columns[0]);
                return JsonPaths.HasWildcard(r.JsonPath)
                    ? $"exists (select 1 from jsonb_path_query({doc}, '{JsonPaths.PgJsonPath(r.JsonPath)}') v where v #>> '{{}}' = any(@{set}::text[]))"
                    : $"({doc} #>> '{JsonPaths.PgTextPath(r.JsonPath)}') = any(@{set}::text[])";
            }

            if (r.Pattern is not null)
            {
                var name = $"pattern_{c.Name}_{r.Columns[0]}".ToLowerInvariant();
                Inputs[name] = IdPatterns.Pg(r.Pattern);
                var groups = IdPatterns.IdGroupPositions(r.Pattern);
                return $"exists (select 1 from regexp_matches({column}::text, @{name}, 'g') m where {string.Join(" or ", groups.Select(g => $"m[{g}] = any(@{set}::text[])"))})";
            }

            return r.Array ? $"{column} && @{set}" : $"{column} = any(@{set})";
        }

        /// <summary>
        /// The identity column compared bare with the typed value (sent untyped, so PostgreSQL reads it as the column's
        /// type and the column's index serves); a value that cannot be a number never matches a numeric column.
        /// </summary>
        public string IdentityMatch(Collection c, Identity id)
        {
            var column = Q(id.Column);
            if (planner.Schema?.Type(c, id.Column) is { IsInteger: true } && !long.TryParse(identity, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                return "false";
            }

            return id.CaseInsensitive ? $"lower({column}) = lower(@{IdentityInput})" : $"{column} = @{IdentityInput}";
        }

        /// <summary>A condition of the map (a column or a value inside JSON equals one of the texts), values bound as a parameter.</summary>
        public string ConditionSql(Collection c, Condition when)
        {
            var name = $"when_{c.Name}_{Inputs.Count}".ToLowerInvariant();
            Inputs[name] = when.Values.ToArray();
            return when.JsonPath is null
                ? $"{Q(when.Column)}::text = any(@{name})"
                : $"({JsonOf(c, when.Column)} #>> '{JsonPaths.PgTextPath(when.JsonPath)}') = any(@{name})";
        }

        /// <summary>
        /// A column read as jsonb: as it is when the store says jsonb, cast when json, and through the tolerant helper
        /// otherwise (text holding JSON; or type unknown), so that a row whose text is not JSON is skipped, never a crash.
        /// </summary>
        private string JsonOf(Collection c, string column)
        {
            var type = planner.Schema?.Type(c, column);
            if (type is { IsJsonb: true })
            {
                return Q(column);
            }

            if (type is { IsJson: true })
            {
                return $"{Q(column)}::jsonb";
            }

            if (!_setup.Contains(JsonHelper))
            {
                _setup.Add(JsonHelper);
            }

            return $"pg_temp.gov_jsonb({Q(column)}::text)";
        }

        /// <summary>For a reference inside JSON text: the rows that hold the person's id as text but are not JSON, reported rather than guessed.</summary>
        public void AddUnreadable(Collection c, Reference r)
        {
            if (r.JsonPath is null || planner.Schema?.Type(c, r.Columns[0]) is { IsJsonb: true } or { IsJson: true })
            {
                return;
            }

            var column = Q(r.Columns[0]);
            Add(c, PlanAction.Select, StepRole.Unreadable, $"rows of {c.Name} whose {r.Columns[0]} is not JSON but holds the person's id as text (reported, not read)",
                $"select {string.Join(", ", c.Key.Select(Q))} from {Table(c)} where {column}::text like any (select '%' || replace(replace(replace(k, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' from unnest(@{SetFor(r)}::text[]) k) and pg_temp.gov_jsonb({column}::text) is null");
        }

        public Plan Build(string kind, Pseudonyms? pseudonyms)
        {
            var inputs = new Dictionary<string, object?>(Inputs, StringComparer.Ordinal);
            if (identity is not null)
            {
                inputs[IdentityInput] = identity;
            }

            return new Plan(kind, planner.MapName, planner.StoreName, inputs, _steps, _setup,
                _pseudonyms.Select(p => new PseudonymInput(p.Value, p.Key, SubjectSet)).ToList(), pseudonyms);
        }
    }
}
