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
public sealed class FindPerson(ChatStoreRegistry stores, DataMapCatalog maps, Governance.Core.Audit.AuditLog audit)
{
    /// <summary>The names of the regional stores searched.</summary>
    public IEnumerable<string> StoreNames => stores.All.Select(s => s.Name);

    /// <summary>
    /// Looks for the person in every store and audits the search as <c>person.search</c> by <paramref name="actor"/>
    /// (for <paramref name="requestId"/> when there is one): the identity kind, the stores searched, where the
    /// person was found and how many ids; never the value searched for.
    /// </summary>
    public async Task<IReadOnlyList<PersonMatch>> SearchAsync(IdentityKind kind, string value, Governance.Core.Audit.AuditActor actor, Guid? requestId, CancellationToken ct)
    {
        var results = await SearchStoresAsync(kind, value, ct);
        await audit.AppendAsync(new Governance.Core.Audit.AuditRecord(actor, "person.search", Governance.Core.Audit.AuditOutcome.Success,
            requestId is null ? null : "request", requestId?.ToString("D"), requestId?.ToString("D"), new Dictionary<string, object?>
            {
                ["kind"] = NameStyle.Kebab(kind),
                ["stores"] = results.Select(r => r.Store).ToArray(),
                ["foundIn"] = results.Where(r => r.PersonIds.Count > 0).Select(r => r.Store).ToArray(),
                ["ids"] = results.Sum(r => r.PersonIds.Count),
                ["unreachable"] = results.Where(r => r.Problem is not null).Select(r => r.Store).ToArray(),
            }), ct);
        return results;
    }

    private async Task<IReadOnlyList<PersonMatch>> SearchStoresAsync(IdentityKind kind, string value, CancellationToken ct)
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
