using Dapper;
using Npgsql;

namespace Governance.Core.DataMap;

/// <summary>A column as the live store declares it.</summary>
public sealed record ColumnType(string DataType, string UdtName, int? MaxLength, bool Nullable)
{
    public bool IsJsonb => UdtName == "jsonb";

    public bool IsJson => UdtName == "json";

    public bool IsText => UdtName is "text" or "varchar" or "bpchar" or "citext";

    public bool IsInteger => UdtName is "int2" or "int4" or "int8" or "numeric";

    public bool IsArray => DataType == "ARRAY";
}

/// <summary>The live schema of a store (information_schema), read once for a validation or a plan.</summary>
public sealed record StoreSchema(IReadOnlyDictionary<(string Schema, string Table, string Column), ColumnType> Columns)
{
    public ColumnType? Type(Collection c, string column)
    {
        var (schema, table) = c.QualifiedTable;
        return Columns.GetValueOrDefault((schema, table, column));
    }

    public bool HasTable(Collection c) => Columns.Keys.Any(k => (k.Schema, k.Table) == c.QualifiedTable);

    public static async Task<StoreSchema> LoadAsync(NpgsqlDataSource store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Schema, string Table, string Column, string DataType, string Udt, int? MaxLength, string Nullable)>(new CommandDefinition("""
            select table_schema, table_name, column_name, data_type, udt_name, character_maximum_length, is_nullable
            from information_schema.columns
            where table_schema not in ('pg_catalog', 'information_schema')
            """, cancellationToken: ct));
        return new StoreSchema(rows.ToDictionary(r => (r.Schema, r.Table, r.Column),
            r => new ColumnType(r.DataType, r.Udt.TrimStart('_'), r.MaxLength, r.Nullable == "YES")));
    }
}
