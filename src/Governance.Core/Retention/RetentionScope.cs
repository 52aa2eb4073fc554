using Governance.Core.DataMap;
using Governance.Core.Holds;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.Retention;

/// <summary>
/// The rows of one store that one rule governs, as SQL over the collection's row <c>t</c>: past the rule's age, inside
/// its scope (the row's tenant, conversation or conversation's kind, read through the map's links), and not governed by
/// a narrower rule that also matches the row (docs/retention.md, "Which rule governs a row"). Values are parameters.
/// Held rows (an active legal hold on the row's owner or author, its conversation or tenant, within the hold's window)
/// are a separate condition, so that a preview counts them and a purge skips them.
/// </summary>
public sealed class RetentionScope
{
    private readonly List<NpgsqlParameter> _parameters = [];

    private RetentionScope(DataMapDocument map, Collection collection, RetentionRule? rule)
    {
        Map = map;
        Collection = collection;
        Rule = rule;
    }

    public DataMapDocument Map { get; }

    public Collection Collection { get; }

    /// <summary>The rule, or null for <see cref="HeldOnly"/>.</summary>
    public RetentionRule? Rule { get; }

    /// <summary>The collection's table, quoted.</summary>
    public string Table { get; private set; } = "";

    /// <summary>The row's key, <c>t.&lt;key&gt;</c>.</summary>
    public string Key { get; private set; } = "";

    /// <summary>The row's date as a timestamptz (an epoch number read as milliseconds or seconds by its size).</summary>
    public string Dated { get; private set; } = "";

    /// <summary>Past the age and in the rule's scope, and not a narrower rule's.</summary>
    public string Governed { get; private set; } = "";

    /// <summary>Held by an active legal hold ("false" when none applies to this store).</summary>
    public string Held { get; private set; } = "false";

    public IReadOnlyList<NpgsqlParameter> Parameters => _parameters;

    /// <summary>Fresh copies of the parameters, for another command.</summary>
    public NpgsqlParameter[] NewParameters() => _parameters.Select(p => p.Clone()).ToArray();

    /// <summary>Builds the conditions of <paramref name="rule"/> in <paramref name="store"/>, against the other rules in force and the active holds.</summary>
    public static RetentionScope For(RetentionRule rule, DataMapDocument map, string store, string region, IReadOnlyList<RetentionRule> rules,
        IReadOnlyList<LegalHold> holds, DateTimeOffset cutoff, string? datedType)
    {
        var collection = map.Find(rule.Collection)!;
        var s = new RetentionScope(map, collection, rule);
        s.Describe(datedType);
        var column = $"t.{DataMapPlanner.Q(collection.DatedBy!)}";
        // The date condition stays on the column itself where it can (an index on it serves the purge's batches).
        var past = datedType is "bigint" or "integer" or "numeric" or "double precision"
            ? $"{column} < (case when {column} > 100000000000 then {s.Add(cutoff.ToUnixTimeMilliseconds())} else {s.Add(cutoff.ToUnixTimeSeconds())} end)"
            : $"{column} < {s.Add(cutoff)}";
        var conditions = new List<string> { past, s.Matches(rule) };
        if (rule.Action == RetentionAction.Anonymise)
        {
            conditions.Add(RetentionAnonymise.PendingSql(collection, value => s.Add(value))); // rows anonymised before are not this rule's any more
        }

        foreach (var narrower in rules.Where(r => r.Map == rule.Map && r.Collection == rule.Collection && r.Name != rule.Name
                     && r.Covers(store, region) && r.Specificity.CompareTo(rule.Specificity) > 0))
        {
            conditions.Add($"not {s.Matches(narrower)}");
        }

        s.Governed = string.Join(" and ", conditions.Where(c => c != "true"));
        s.Held = s.HeldSql(store, holds);
        return s;
    }

    /// <summary>Only which rows of <paramref name="collection"/> a hold keeps (the dependants of rows a run removes).</summary>
    public static RetentionScope HeldOnly(DataMapDocument map, Collection collection, string store, IReadOnlyList<LegalHold> holds, string? datedType)
    {
        var s = new RetentionScope(map, collection, null);
        s.Describe(datedType);
        s.Governed = "true";
        s.Held = s.HeldSql(store, holds);
        return s;
    }

    private void Describe(string? datedType)
    {
        var (schema, table) = Collection.QualifiedTable;
        Table = $"{DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)}";
        Key = Collection.Key.Count == 1 ? $"t.{DataMapPlanner.Q(Collection.Key[0])}" : "null";
        if (Collection.DatedBy is null)
        {
            Dated = "null::timestamptz";
            return;
        }

        var column = $"t.{DataMapPlanner.Q(Collection.DatedBy)}";
        Dated = datedType switch
        {
            "bigint" or "integer" or "numeric" or "double precision" => $"to_timestamp(case when {column} > 100000000000 then {column} / 1000.0 else {column} end)",
            _ => $"{column}::timestamptz",
        };
    }

    private string Add(object value)
    {
        var name = $"r{_parameters.Count}";
        _parameters.Add(value switch
        {
            DateTimeOffset d => new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = d.UtcDateTime },
            long l => new NpgsqlParameter(name, NpgsqlDbType.Bigint) { Value = l },
            string[] a => new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = a },
            _ => new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = value },
        });
        return "@" + name;
    }

    /// <summary>Whether a row is in a rule's scope (not its age): "true" for a rule of the whole store.</summary>
    private string Matches(RetentionRule rule)
    {
        var parts = new List<string>();
        if (rule.Tenant is not null)
        {
            parts.Add($"coalesce({ScopeOf(Map.Holds.Tenant)} = {Add(rule.Tenant)}, false)");
        }

        if (rule.Conversation is not null)
        {
            parts.Add($"coalesce({ScopeOf(Map.Holds.Conversation)} = {Add(rule.Conversation)}, false)");
        }

        if (rule.ConversationKind is not null)
        {
            var conversations = Map.Find(Map.Holds.Conversation!)!;
            var (schema, table) = conversations.QualifiedTable;
            parts.Add($"coalesce((select k.{DataMapPlanner.Q(Map.Holds.ConversationKind!)} from {DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)} k " +
                      $"where k.{DataMapPlanner.Q(conversations.Key[0])}::text = {ScopeOf(Map.Holds.Conversation)}) = {Add(rule.ConversationKind)}, false)");
        }

        return parts.Count == 0 ? "true" : "(" + string.Join(" and ", parts) + ")";
    }

    /// <summary>The row's id in a scope collection, as text (its key, a link, or links followed); "null::text" when it has none.</summary>
    private string ScopeOf(string? scope)
    {
        if (Map.ScopePath(Collection, scope) is not { } path)
        {
            return "null::text";
        }

        if (path.Count == 0)
        {
            return $"{Key}::text";
        }

        var sql = $"t.{DataMapPlanner.Q(path[0].Columns[0])}";
        for (var i = 1; i < path.Count; i++)
        {
            var via = Map.Find(path[i - 1].To)!;
            var (schema, table) = via.QualifiedTable;
            sql = $"(select s{i}.{DataMapPlanner.Q(path[i].Columns[0])} from {DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)} s{i} where s{i}.{DataMapPlanner.Q(via.Key[0])} = {sql})";
        }

        return sql + "::text";
    }

    /// <summary>
    /// Held: for each active hold that reaches this store, the row's owner or author among its custodians, or its
    /// conversation or tenant among its scope, and the row's date inside the hold's window.
    /// </summary>
    private string HeldSql(string store, IReadOnlyList<LegalHold> holds)
    {
        var subject = Map.SubjectCollection;
        var owner = subject is null ? null
            : Collection.Name == subject.Name ? $"{Key}::text"
            : Collection.References.FirstOrDefault(r => r.To == subject.Name && r.IsDirect && r.Relation is Relation.Owner or Relation.Author or Relation.Participant) is { } link
                ? $"t.{DataMapPlanner.Q(link.Columns[0])}::text" : null;
        var any = new List<string>();
        foreach (var hold in holds.Where(h => h.Active))
        {
            var scope = hold.Scope.Where(x => x.Store is null || x.Store == store).ToList();
            var parts = new List<string>();
            void Part(HoldScopeKind kind, string? expression)
            {
                var values = scope.Where(x => x.Kind == kind).Select(x => x.Value).Distinct(StringComparer.Ordinal).ToArray();
                if (values.Length > 0 && expression is not null && expression != "null::text")
                {
                    parts.Add($"{expression} = any({Add(values)})");
                }
            }

            Part(HoldScopeKind.User, owner);
            Part(HoldScopeKind.Conversation, ScopeOf(Map.Holds.Conversation));
            Part(HoldScopeKind.Tenant, ScopeOf(Map.Holds.Tenant));
            if (parts.Count == 0)
            {
                continue;
            }

            var window = new List<string>();
            if (hold.WindowFrom is { } from)
            {
                window.Add($"coalesce({Dated} >= {Add(from)}, true)"); // a row of unknown date counts as inside: kept rather than lost
            }

            if (hold.WindowTo is { } to)
            {
                window.Add($"coalesce({Dated} < {Add(to)}, true)");
            }

            any.Add("((" + string.Join(" or ", parts) + ")" + (window.Count > 0 ? " and " + string.Join(" and ", window) : "") + ")");
        }

        return any.Count == 0 ? "false" : "(" + string.Join(" or ", any) + ")";
    }
}
