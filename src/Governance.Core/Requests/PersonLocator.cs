using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Governance.Core.Validation;

namespace Governance.Core.Requests;

/// <summary>One store searched for a request's person: its map and schema, and the identity that found them there (none: not there).</summary>
public sealed record PersonPlace(ChatStore Store, DataMapDocument Map, StoreSchema Schema, IdentityKind? Kind, string? Value)
{
    public bool Found => Kind is not null;
}

/// <summary>
/// Where a request's person is, for the jobs that carry requests out (export, erasure): in every store, the first of
/// the request's identities (user id, e-mail, phone) whose find step yields exactly one person; only the find step
/// runs. A store that cannot be searched — no map, unreachable, an identity matching several people — stops the
/// whole job with the reason (field named), so it is never taken for a store where the person is not.
/// </summary>
public sealed class PersonLocator(ChatStoreRegistry stores, DataMapCatalog maps)
{
    public async Task<(DataMapSet Set, IReadOnlyList<PersonPlace> Places)> LocateAsync(RequestSubject request, CancellationToken ct)
    {
        var set = maps.Load();
        if (!set.Valid)
        {
            throw ValidationException.For("datamap", "maps", $"The data maps have {set.Problems.Count} problem(s) (first: {set.Problems[0]}); run './gov policies validate'.");
        }

        var places = new List<PersonPlace>();
        foreach (var store in stores.All.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var map = set.Maps.FirstOrDefault(m => m.Stores.Contains(store.Name))
                ?? throw ValidationException.For("datamap", store.Name, $"No data map names store '{store.Name}': it cannot be searched, so nothing is done anywhere.");
            try
            {
                places.Add(await SearchAsync(request, store, map, ct));
            }
            catch (Npgsql.NpgsqlException)
            {
                throw ValidationException.For("stores", store.Name, $"Chat store '{store.Name}' could not be searched: nothing is done until every store can be.");
            }
        }

        return (set, places);
    }

    private static async Task<PersonPlace> SearchAsync(RequestSubject request, ChatStore store, DataMapDocument map, CancellationToken ct)
    {
        var schema = await StoreSchema.LoadAsync(store.DataSource, ct);
        foreach (var (kind, value) in request.Identities.Where(i => map.Identities.Any(m => m.Kind == i.Kind)))
        {
            var plan = new DataMapPlanner(map, store.Name, schema).Access(kind, value);
            var find = plan.Steps.First(s => s.Role == StepRole.Find);
            await using var connection = await store.DataSource.OpenConnectionAsync(ct);
            var session = new PlanSession(plan, connection, null);
            await session.SetupAsync(ct);
            await using var command = session.Command(find, find.Sql);
            var (keys, _) = await PlanSession.ReadAsync(command, ct);
            if (keys.Length > 1)
            {
                throw ValidationException.For("request", "person", $"The request's {NameStyle.Kebab(kind)} matches {keys.Length} people in store '{store.Name}': one person at a time (by user id).");
            }

            if (keys.Length == 1)
            {
                return new PersonPlace(store, map, schema, kind, value);
            }
        }

        return new PersonPlace(store, map, schema, null, null);
    }
}
