using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Npgsql;

namespace Governance.Core.Database;

/// <summary>
/// The roles the console runs as on the local cluster, given their generated passwords and their grants by the
/// superuser: the application role in the governance database, and one role per chat store with exactly what its
/// data map's plans need. Run by <c>db migrate</c> and after <c>demo seed</c>; idempotent.
/// </summary>
public static class ConsoleRoles
{
    /// <summary>What happened to one store's role, said in one line.</summary>
    public sealed record StoreOutcome(string Store, string Role, int Tables, string? Note);

    /// <summary>Sets the application role's password on the local cluster (nothing when the governance database is elsewhere).</summary>
    public static async Task ApplyAppRoleAsync(ConnectionResolver resolver, ResolvedConnections connections, CancellationToken ct)
    {
        if (!resolver.GovernanceIsEmbedded())
        {
            return;
        }

        var password = resolver.EmbeddedCluster().Secrets.GetOrCreate(GovernanceMigrator.AppRole);
        await using var connection = new NpgsqlConnection(connections.GovernanceAdmin);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(Embedded.ClusterSecrets.SetPasswordSql(GovernanceMigrator.AppRole, password), connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Grants each chat store's role what the data maps say, for the stores on the local cluster whose database exists
    /// (others are the operator's: <c>./gov db grants</c> prints what to run there). Maps with problems change nothing.
    /// </summary>
    public static async Task<IReadOnlyList<StoreOutcome>> ApplyStoreRolesAsync(
        ConnectionResolver resolver, ResolvedConnections connections, DataMapSet maps, CancellationToken ct)
    {
        var outcomes = new List<StoreOutcome>();
        foreach (var store in connections.Stores)
        {
            var role = StoreAccess.RoleFor(store.Name);
            if (!resolver.StoreIsEmbedded(store.Name))
            {
                outcomes.Add(new StoreOutcome(store.Name, role, 0, "on a server of its own: grant what './gov db grants' prints there"));
                continue;
            }

            if (!await PostgresAdmin.DatabaseExistsAsync(store.Owner, $"ChatStores:{store.Name}", ct))
            {
                outcomes.Add(new StoreOutcome(store.Name, role, 0, "no database yet ('./gov demo seed' creates it)"));
                continue;
            }

            if (!maps.Valid)
            {
                outcomes.Add(new StoreOutcome(store.Name, role, 0, $"left as it was: the data maps have {maps.Problems.Count} problems ('./gov policies validate')"));
                continue;
            }

            var map = maps.Maps.FirstOrDefault(m => m.Stores.Contains(store.Name));
            var password = resolver.EmbeddedCluster().Secrets.GetOrCreate(role);
            var grants = await StoreAccess.ApplyAsync(store.Owner, store.Name, map, password, ct);
            outcomes.Add(new StoreOutcome(store.Name, role, grants.Count, map is null ? "no data map names this store: its role may only connect" : null));
        }

        return outcomes;
    }
}
