using Dapper;
using Npgsql;

namespace Governance.Core.DataMap.Discovery;

/// <summary>A column of a table as the catalog gives it.</summary>
public sealed record CatalogColumn(string Table, string Name, string DataType, string Udt, bool Nullable)
{
    public bool IsArray => DataType == "ARRAY";

    /// <summary>The element type for arrays (udt names of arrays start with '_').</summary>
    public string BaseType => Udt.TrimStart('_');

    public bool IsText => BaseType is "text" or "varchar" or "bpchar" or "citext" or "name";

    public bool IsIdLike => IsText || BaseType is "int2" or "int4" or "int8" or "uuid" or "numeric";

    public bool IsJsonType => BaseType is "json" or "jsonb";

    public bool IsBoolean => BaseType == "bool";
}

/// <summary>A foreign key: one constraint, its columns in order, and the columns they point at.</summary>
public sealed record CatalogForeignKey(string Table, IReadOnlyList<string> Columns, string Target, IReadOnlyList<string> TargetColumns);

/// <summary>
/// What the catalog says about a schema: tables and columns, keys (primary keys, else the first unique index), and
/// foreign keys read per constraint from pg_constraint (so a composite key is one reference, and constraints that
/// share a name across tables do not multiply).
/// </summary>
public sealed record SchemaCatalog(IReadOnlyList<CatalogColumn> Columns, IReadOnlyDictionary<string, IReadOnlyList<string>> Keys, IReadOnlyList<CatalogForeignKey> ForeignKeys)
{
    public IEnumerable<string> Tables => Columns.Select(c => c.Table).Distinct().Order(StringComparer.Ordinal);

    public IReadOnlyList<CatalogColumn> Of(string table) => Columns.Where(c => c.Table == table).ToList();

    public static async Task<SchemaCatalog> ReadAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        var columns = (await connection.QueryAsync<CatalogColumn>(new CommandDefinition("""
            select c.table_name as Table, c.column_name as Name, c.data_type as DataType, c.udt_name as Udt, c.is_nullable = 'YES' as Nullable
            from information_schema.columns c
            join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
            where c.table_schema = @schema
            order by c.table_name, c.ordinal_position
            """, new { schema }, cancellationToken: ct))).ToList();

        // Keys: the primary key, else the unique index with the fewest columns (no expressions, no partial indexes).
        var keyRows = await connection.QueryAsync<(string Table, bool Primary, string Index, int Position, string Column)>(new CommandDefinition("""
            select t.relname, i.indisprimary, ix.relname, k.ord, a.attname
            from pg_index i
            join pg_class t on t.oid = i.indrelid
            join pg_namespace n on n.oid = t.relnamespace
            join pg_class ix on ix.oid = i.indexrelid
            cross join lateral unnest(i.indkey) with ordinality k(attnum, ord)
            join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
            where n.nspname = @schema and i.indisunique and i.indpred is null and i.indexprs is null
            """, new { schema }, cancellationToken: ct));
        var keys = keyRows.GroupBy(r => r.Table).ToDictionary(g => g.Key, g =>
        {
            var best = g.GroupBy(r => r.Index).OrderByDescending(i => i.First().Primary).ThenBy(i => i.Count()).ThenBy(i => i.Key, StringComparer.Ordinal).First();
            return (IReadOnlyList<string>)best.OrderBy(r => r.Position).Select(r => r.Column).ToList();
        });

        var fkRows = await connection.QueryAsync<(string Constraint, string Table, string Target, int Position, string Column, string TargetColumn)>(new CommandDefinition("""
            select c.oid::text, t.relname, f.relname, k.ord, a.attname, af.attname
            from pg_constraint c
            join pg_class t on t.oid = c.conrelid
            join pg_namespace n on n.oid = t.relnamespace
            join pg_class f on f.oid = c.confrelid
            cross join lateral unnest(c.conkey, c.confkey) with ordinality k(attnum, fattnum, ord)
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
            join pg_attribute af on af.attrelid = c.confrelid and af.attnum = k.fattnum
            where c.contype = 'f' and n.nspname = @schema
            """, new { schema }, cancellationToken: ct));
        var foreignKeys = fkRows.GroupBy(r => r.Constraint).Select(g =>
        {
            var ordered = g.OrderBy(r => r.Position).ToList();
            return new CatalogForeignKey(ordered[0].Table, ordered.Select(r => r.Column).ToList(), ordered[0].Target, ordered.Select(r => r.TargetColumn).ToList());
        }).OrderBy(f => f.Table, StringComparer.Ordinal).ThenBy(f => f.Columns[0], StringComparer.Ordinal).ToList();

        return new SchemaCatalog(columns, keys, foreignKeys);
    }
}

/// <summary>Up to a few hundred distinct values of a column, read once, as text (array elements unnested).</summary>
public sealed class ColumnSampler(NpgsqlConnection connection, string schema)
{
    public const int Size = 200;

    private readonly Dictionary<(string, string), IReadOnlyList<string>> _cache = [];

    /// <summary>The subject table's keys as text (up to 200,000; a larger table's overlap figures are then lower bounds).</summary>
    public async Task<IReadOnlyList<string>> AllKeysAsync(string table, string key, CancellationToken ct) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            $"select {DataMapPlanner.Q(key)}::text from {DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)} where {DataMapPlanner.Q(key)} is not null limit 200000",
            cancellationToken: ct))).ToList();

    public async Task<IReadOnlyList<string>> ValuesAsync(CatalogColumn column, CancellationToken ct)
    {
        if (_cache.TryGetValue((column.Table, column.Name), out var cached))
        {
            return cached;
        }

        var q = DataMapPlanner.Q(column.Name);
        var from = $"{DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(column.Table)}";
        var sql = column.IsArray
            ? $"select distinct v::text from (select unnest({q}) v from (select {q} from {from} where {q} is not null limit {Size}) s) u where v is not null limit {Size}"
            : $"select distinct {q}::text from (select {q} from {from} where {q} is not null limit {Size * 5}) s limit {Size}";
        var values = (await connection.QueryAsync<string>(new CommandDefinition(sql, cancellationToken: ct))).ToList();
        _cache[(column.Table, column.Name)] = values;
        return values;
    }
}
