using Dapper;
using Governance.Core.DataMap;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.DataMap;

/// <summary>A fixture chat schema (Fixtures/NAME.sql) in a database of its own, with its map (Fixtures/NAME.yaml) loaded and checked live.</summary>
public sealed class FixtureStore : IAsyncDisposable
{
    private FixtureStore(string name, string cs, NpgsqlDataSource store, DataMapDocument map, StoreSchema schema)
    {
        Name = name;
        ConnectionString = cs;
        Store = store;
        Map = map;
        Schema = schema;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource Store { get; }

    public DataMapDocument Map { get; }

    public StoreSchema Schema { get; }

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "DataMap", "Fixtures");

    public static string Sql(string name) => File.ReadAllText(Path.Combine(Folder, name + ".sql"));

    public static string MapText(string name) => File.ReadAllText(Path.Combine(Folder, name + ".yaml"));

    public static async Task<FixtureStore> CreateAsync(string name)
    {
        var cs = await TestPostgres.CreateDatabaseAsync("fx_" + name);
        var store = NpgsqlDataSource.Create(cs);
        await using (var connection = await store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(Sql(name));
        }

        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load(name + ".yaml", MapText(name), problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Empty(await LiveSchemaCheck.CheckAsync(map!, store, map!.Stores[0], CancellationToken.None));
        return new FixtureStore(name, cs, store, map, await StoreSchema.LoadAsync(store, CancellationToken.None));
    }

    public DataMapPlanner Planner() => new(Map, Map.Stores[0], Schema);

    public async Task<string[]> TruthAsync(string sql)
    {
        await using var connection = await Store.OpenConnectionAsync();
        return (await connection.QueryAsync(sql)).Select(row => Convert.ToString(((IDictionary<string, object>)row).Values.First(), System.Globalization.CultureInfo.InvariantCulture)!)
            .Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>md5(row::text) of every row of the given tables, by "table/key" (key: an SQL expression over the row x).</summary>
    public async Task<Dictionary<string, string>> FingerprintsAsync(params (string Table, string Key)[] tables)
    {
        await using var connection = await Store.OpenConnectionAsync();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (table, key) in tables)
        {
            foreach (var (k, md5) in await connection.QueryAsync<(string, string)>($"select ({key})::text, md5(x::text) from \"{table}\" x"))
            {
                result[$"{table}/{k}"] = md5;
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }

    /// <summary>The first column of the rows of the steps chosen.</summary>
    public static string[] Keys(IEnumerable<StepPreview> steps) =>
        steps.SelectMany(s => s.Rows).Select(r => Convert.ToString(r[0], System.Globalization.CultureInfo.InvariantCulture)!).Distinct().Order(StringComparer.Ordinal).ToArray();
}
