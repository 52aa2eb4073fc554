using Dapper;
using Npgsql;

namespace Governance.Core.ChatStores;

public sealed record StoreOverview(string Name, string Region, bool Reachable, long? Users, long? Messages, string? Problem);

/// <summary>Whether each chat store answers, and its size from the planner's statistics (cheap on any volume).</summary>
public sealed class ChatStoreOverview(ChatStoreRegistry stores)
{
    public async Task<IReadOnlyList<StoreOverview>> GetAsync(CancellationToken ct)
    {
        var tasks = stores.All.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => OneAsync(s, ct));
        return await Task.WhenAll(tasks);
    }

    private static async Task<StoreOverview> OneAsync(ChatStore store, CancellationToken ct)
    {
        const string sql = """
            select c.relname as Table, greatest(c.reltuples, 0)::bigint as Rows
            from pg_class c
            where c.relkind = 'r' and c.relname = any(@tables) and c.relnamespace = 'public'::regnamespace
            """;
        try
        {
            await using var connection = await store.DataSource.OpenConnectionAsync(ct);
            var rows = (await connection.QueryAsync<(string Table, long Rows)>(new CommandDefinition(
                sql, new { tables = new[] { "users", "messages" } }, cancellationToken: ct))).ToDictionary(r => r.Table, r => r.Rows);
            return new StoreOverview(store.Name, store.Region, true, rows.GetValueOrDefault("users"), rows.GetValueOrDefault("messages"), null);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return new StoreOverview(store.Name, store.Region, false, null, null, ex is PostgresException pg ? $"error {pg.SqlState}" : "unreachable");
        }
    }
}
