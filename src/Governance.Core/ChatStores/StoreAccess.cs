using System.Text;
using System.Text.RegularExpressions;
using Governance.Core.Database.Embedded;
using Governance.Core.DataMap;
using Npgsql;

namespace Governance.Core.ChatStores;

/// <summary>What the console's role may do to one table of a chat store.</summary>
/// <param name="UpdateColumns">Only these columns may be updated (none: no update at all).</param>
public sealed record TableGrant(string Schema, string Table, bool Delete, IReadOnlyList<string> UpdateColumns);

/// <summary>
/// The least privilege the console needs on a chat store, drawn from the plans its data map yields: reading every
/// mapped table (access, finding a person, previews), deleting from the tables erasure and purge delete from, and
/// updating only the columns they change. Nothing else: no other table, no other column, no DDL, no TRUNCATE.
/// </summary>
public static partial class StoreAccess
{
    public const string RolePrefix = "governance_store_";

    /// <summary>The role the console uses on a store (store names are checked identifiers of at most 30 characters).</summary>
    public static string RoleFor(string store) =>
        StoreName().IsMatch(store) ? RolePrefix + store : throw new ArgumentException($"'{store}' is not a store name.", nameof(store));

    /// <summary>The grants every plan of the map needs: access and erasure by each identity it knows, purge of each dated collection.</summary>
    public static IReadOnlyList<TableGrant> GrantsFor(DataMapDocument map, string store)
    {
        var planner = new DataMapPlanner(map, store);
        var plans = new List<Plan>();
        foreach (var kind in Enum.GetValues<IdentityKind>().Where(planner.HasIdentity))
        {
            plans.Add(planner.Access(kind, "grants"));
            plans.Add(planner.Erase(kind, "grants", Pseudonyms.Placeholder));
        }

        plans.AddRange(map.Collections.Where(c => c.DatedBy is not null && c.Key.Count == 1).Select(c => planner.Purge(c.Name)));

        var deletes = new HashSet<string>(StringComparer.Ordinal);
        var updates = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var step in plans.SelectMany(p => p.Steps))
        {
            if (step.Action == PlanAction.Delete)
            {
                deletes.Add(step.Collection);
            }
            else if (step.Action is PlanAction.Update or PlanAction.Rewrite)
            {
                if (!updates.TryGetValue(step.Collection, out var columns))
                {
                    updates[step.Collection] = columns = new SortedSet<string>(StringComparer.Ordinal);
                }

                columns.UnionWith(step.Writes);
            }
        }

        return map.Collections
            .GroupBy(c => c.QualifiedTable)
            .Select(g => new TableGrant(g.Key.Schema, g.Key.Table,
                g.Any(c => deletes.Contains(c.Name)),
                g.SelectMany(c => updates.GetValueOrDefault(c.Name) ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .OrderBy(t => t.Schema, StringComparer.Ordinal).ThenBy(t => t.Table, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The statements that make the role exactly this (run in the store's database by its owner, in one transaction):
    /// whatever it was granted there before is dropped first, so a table taken out of the map is out of its reach.
    /// </summary>
    public static string GrantSql(string role, string database, IReadOnlyList<TableGrant> grants)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"drop owned by {Q(role)};");
        sb.AppendLine($"grant connect on database {Q(database)} to {Q(role)};");
        foreach (var schema in grants.Select(g => g.Schema).Distinct(StringComparer.Ordinal))
        {
            sb.AppendLine($"grant usage on schema {Q(schema)} to {Q(role)};");
        }

        foreach (var g in grants)
        {
            var table = $"{Q(g.Schema)}.{Q(g.Table)}";
            sb.AppendLine($"grant select{(g.Delete ? ", delete" : "")} on {table} to {Q(role)};");
            if (g.UpdateColumns.Count > 0)
            {
                sb.AppendLine($"grant update ({string.Join(", ", g.UpdateColumns.Select(Q))}) on {table} to {Q(role)};");
            }
        }

        return sb.ToString();
    }

    /// <summary>The role itself (cluster-wide): may sign in, nothing more; its password is set apart.</summary>
    public static string CreateRoleSql(string role) =>
        $"""
        do $$
        begin
            if not exists (select 1 from pg_roles where rolname = '{role}') then
                create role {Q(role)} login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls;
            end if;
        end $$;
        """;

    /// <summary>
    /// Creates the store's role if missing, sets its password (when given, as a SCRAM verifier) and grants exactly what
    /// the map's plans need, in one transaction on the owner's connection. Without a map the role may only connect.
    /// </summary>
    public static async Task<IReadOnlyList<TableGrant>> ApplyAsync(string ownerConnectionString, string store, DataMapDocument? map, string? password, CancellationToken ct)
    {
        var role = RoleFor(store);
        var grants = map is null ? [] : GrantsFor(map, store);
        var database = new NpgsqlConnectionStringBuilder(ownerConnectionString).Database
            ?? throw new InvalidOperationException($"ChatStores:{store}: the owner's connection names no Database.");
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var sql = CreateRoleSql(role) + "\n" + (password is null ? "" : ClusterSecrets.SetPasswordSql(role, password) + ";\n") + GrantSql(role, database, grants);
        await using (var command = new NpgsqlCommand(sql, connection, tx))
        {
            await command.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return grants;
    }

    private static string Q(string identifier) => DataMapPlanner.Q(identifier);

    [GeneratedRegex("^[a-z][a-z0-9_]{0,29}\\z")]
    private static partial Regex StoreName();
}
