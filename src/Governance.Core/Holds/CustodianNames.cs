using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Npgsql;

namespace Governance.Core.Holds;

/// <summary>What the custodian names found: the name of each custodian by store and id, and the stores that could not be asked.</summary>
public sealed record CustodianNameSet(IReadOnlyDictionary<(string Store, string Id), string> Names, IReadOnlyList<string> Unreachable)
{
    public static readonly CustodianNameSet Empty = new(new Dictionary<(string, string), string>(), []);

    /// <summary>The name of a custodian held in one store, or in every store (the first store, by name, that knows the id).</summary>
    public string? Of(HoldScope custodian) =>
        custodian.Store is { } store
            ? Names.GetValueOrDefault((store, custodian.Value))
            : Names.Where(n => n.Key.Id == custodian.Value).OrderBy(n => n.Key.Store, StringComparer.Ordinal).Select(n => n.Value).FirstOrDefault();
}

/// <summary>
/// Names the custodians of legal holds as their chat stores name the people (the data map's <c>holds.custodian_name</c>:
/// a field of the people's collection or of one that points at the person): one read per store, of the ids asked for
/// only. A store whose map names no such field gives no names; a store that does not answer is listed, and its
/// custodians keep their ids.
/// </summary>
public sealed class CustodianNames(ChatStoreRegistry stores, DataMapCatalog maps)
{
    /// <summary>How long one store may take to answer before the page shows ids only.</summary>
    private const int TimeoutSeconds = 5;

    public async Task<CustodianNameSet> FindAsync(IEnumerable<HoldScope> scope, CancellationToken ct)
    {
        var custodians = scope.Where(s => s.Kind == HoldScopeKind.User).ToList();
        if (custodians.Count == 0)
        {
            return CustodianNameSet.Empty;
        }

        var set = maps.Load();
        if (!set.Valid)
        {
            return CustodianNameSet.Empty; // the data maps page and './gov policies validate' say why
        }

        var names = new Dictionary<(string, string), string>();
        var unreachable = new List<string>();
        foreach (var store in stores.All.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var ids = custodians.Where(c => c.Store is null || c.Store == store.Name).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray();
            var map = set.Maps.FirstOrDefault(m => m.Stores.Contains(store.Name));
            if (ids.Length == 0 || map?.Holds.CustodianName is not { } field || map.SubjectCollection is not { Key.Count: 1 } people
                || NameSql(map, people, field) is not { } sql)
            {
                continue;
            }

            try
            {
                await using var command = store.DataSource.CreateCommand(sql);
                command.CommandTimeout = TimeoutSeconds;
                command.Parameters.AddWithValue("ids", ids);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    names[(store.Name, reader.GetString(0))] = reader.GetString(1);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                unreachable.Add(store.Name);
            }
        }

        return new CustodianNameSet(names, unreachable);
    }

    /// <summary>
    /// The person's id and name for the ids in <c>@ids</c>: from the people's collection itself, or from the collection
    /// that keeps the name through its reference to the person (the reference's column may hold a value derived from
    /// the person's key, or point at another column of the people's collection). Null when the map leads nowhere.
    /// </summary>
    private static string? NameSql(DataMapDocument map, Collection people, NameField name)
    {
        var key = "s." + DataMapPlanner.Q(people.Key[0]);
        var from = $"{Table(people)} s";
        var column = "s." + DataMapPlanner.Q(name.Column);
        if (name.Collection is { } kept && kept != people.Name)
        {
            if (map.Find(kept) is not { } keptIn || map.ReferenceToSubject(kept) is not { } link)
            {
                return null;
            }

            var target = link.ToColumn is null ? $"{key}::text" : $"s.{DataMapPlanner.Q(link.ToColumn)}::text";
            var value = link.Derive is null ? target : DataMapPlanner.DeriveSql(link.Derive, target);
            from += $" join {Table(keptIn)} n on n.{DataMapPlanner.Q(link.Columns[0])}::text = {value}";
            column = "n." + DataMapPlanner.Q(name.Column);
        }

        return $"select {key}::text, {column}::text from {from} where {key}::text = any(@ids) and {column} is not null";
    }

    private static string Table(Collection c)
    {
        var (schema, table) = c.QualifiedTable;
        return $"{DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)}";
    }
}
