using Dapper;
using Npgsql;

namespace Governance.Core.DataMap;

/// <summary>Checks a map against a reachable store's live schema (information_schema): every table and column it names must exist.</summary>
public static class LiveSchemaCheck
{
    public static async Task<IReadOnlyList<DataMapProblem>> CheckAsync(DataMapDocument map, NpgsqlDataSource store, string storeName, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var columns = (await connection.QueryAsync<(string Schema, string Table, string Column)>(new CommandDefinition("""
            select table_schema, table_name, column_name from information_schema.columns
            where table_schema not in ('pg_catalog', 'information_schema')
            """, cancellationToken: ct)))
            .GroupBy(c => (c.Schema, c.Table))
            .ToDictionary(g => g.Key, g => g.Select(c => c.Column).ToHashSet(StringComparer.Ordinal));

        var problems = new List<DataMapProblem>();
        foreach (var c in map.Collections)
        {
            if (!columns.TryGetValue(c.QualifiedTable, out var present))
            {
                problems.Add(new DataMapProblem(c.Where, $"Table '{c.Table}' of collection '{c.Name}' does not exist in store '{storeName}'."));
                continue;
            }

            foreach (var (column, where) in c.NamedColumns().DistinctBy(x => x.Column).Where(x => !present.Contains(x.Column)))
            {
                problems.Add(new DataMapProblem(where, $"Column '{column}' does not exist in table '{c.Table}' of store '{storeName}'."));
            }

            foreach (var column in c.NotPersonal.Where(n => !present.Contains(n)))
            {
                problems.Add(new DataMapProblem(c.Where, $"Column '{column}' (not_personal) does not exist in table '{c.Table}' of store '{storeName}'."));
            }
        }

        return problems;
    }
}
