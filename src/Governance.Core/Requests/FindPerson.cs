using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Npgsql;

namespace Governance.Core.Requests;

/// <summary>Where a person was found: the store and region, their ids there, and how many rows each collection holds about them.</summary>
public sealed record PersonMatch(string Store, string Region, IReadOnlyList<string> PersonIds, IReadOnlyDictionary<string, long> RowsByCollection, string? Problem);

/// <summary>
/// Finds a person in every regional chat store through its data map (the access plan's reads, counted), so that
/// staff see what exists where before a request goes further. A store that cannot be searched is reported, not skipped silently.
/// </summary>
public sealed class FindPerson(ChatStoreRegistry stores, DataMapCatalog maps)
{
    /// <summary>The names of the regional stores searched.</summary>
    public IEnumerable<string> StoreNames => stores.All.Select(s => s.Name);

    public async Task<IReadOnlyList<PersonMatch>> SearchAsync(IdentityKind kind, string value, CancellationToken ct)
    {
        var set = maps.Load();
        if (!set.Valid)
        {
            throw new InvalidOperationException($"The data maps have {set.Problems.Count} problems (first: {set.Problems[0]}); run './gov policies validate'.");
        }

        var results = new List<PersonMatch>();
        foreach (var store in stores.All.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var map = set.Maps.FirstOrDefault(m => m.Stores.Contains(store.Name));
            if (map is null)
            {
                results.Add(new PersonMatch(store.Name, store.Region, [], new Dictionary<string, long>(), "no data map names this store"));
                continue;
            }

            if (!map.Identities.Any(i => i.Kind == kind))
            {
                results.Add(new PersonMatch(store.Name, store.Region, [], new Dictionary<string, long>(), $"no {NameStyle.Kebab(kind)} identity in this store's map"));
                continue;
            }

            try
            {
                var schema = await StoreSchema.LoadAsync(store.DataSource, ct);
                var plan = new DataMapPlanner(map, store.Name, schema).Access(kind, value);
                var steps = await PlanPreview.RunAsync(plan, store.DataSource, ct, countOnly: true);
                var ids = steps.First(s => s.Role == StepRole.Find).Rows.Select(r => Convert.ToString(r[0], System.Globalization.CultureInfo.InvariantCulture)!).ToList();
                var counts = new Dictionary<string, long>(StringComparer.Ordinal);
                if (ids.Count > 0)
                {
                    // Rows where the person appears, per collection (context rows are others' and are not counted).
                    foreach (var step in steps.Where(s => s.Role is StepRole.Own or StepRole.PointsAtPerson))
                    {
                        counts[step.Collection] = counts.GetValueOrDefault(step.Collection) + Convert.ToInt64(step.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture);
                    }
                }

                results.Add(new PersonMatch(store.Name, store.Region, ids, counts, null));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                results.Add(new PersonMatch(store.Name, store.Region, [], new Dictionary<string, long>(), ex is PostgresException pg ? $"error {pg.SqlState}" : "unreachable"));
            }
        }

        return results;
    }
}
