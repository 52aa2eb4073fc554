using System.Text.Json;
using Npgsql;

namespace Governance.Core.DataMap;

/// <summary>
/// Checks a map against a reachable store's live schema, so that a map that validates never fails when a plan
/// runs: every table and column it names exists (identity, condition and target columns too); JSON paths are only
/// on json, jsonb or text columns, and a text column's sampled values are JSON; every pseudonym that erasure writes
/// fits its column's type and width. Each problem points at the line of the key it is about.
/// </summary>
public static class LiveSchemaCheck
{
    private const int Sample = 100;

    public static async Task<IReadOnlyList<DataMapProblem>> CheckAsync(DataMapDocument map, NpgsqlDataSource store, string storeName, CancellationToken ct)
    {
        var schema = await StoreSchema.LoadAsync(store, ct);
        var problems = new List<DataMapProblem>();
        void Problem(SourceLocation at, string message) => problems.Add(new DataMapProblem(at, message));

        foreach (var c in map.Collections)
        {
            if (!schema.HasTable(c))
            {
                Problem(c.At("table"), $"Table '{c.Table}' of collection '{c.Name}' does not exist in store '{storeName}'.");
                continue;
            }

            foreach (var (column, where) in c.NamedColumns().DistinctBy(x => x.Column).Where(x => schema.Type(c, x.Column) is null))
            {
                Problem(where, $"Column '{column}' does not exist in table '{c.Table}' of store '{storeName}'.");
            }

            foreach (var column in c.NotPersonal.Where(n => schema.Type(c, n) is null))
            {
                Problem(c.At("not_personal"), $"Column '{column}' (not_personal) does not exist in table '{c.Table}' of store '{storeName}'.");
            }

            foreach (var r in c.References.Where(r => r.ToColumn is not null && map.Find(r.To) is { } t && schema.HasTable(t) && schema.Type(t, r.ToColumn) is null))
            {
                Problem(r.Where, $"to_column '{r.ToColumn}' does not exist in the table of '{r.To}' in store '{storeName}'.");
            }

            CheckReferenceTypes(map, c, schema, storeName, Problem);
            await CheckJsonAsync(c, schema, store, storeName, Problem, ct);
            CheckPseudonyms(map, c, schema, Problem);
        }

        foreach (var i in map.Identities)
        {
            if (map.Find(i.Collection) is not { } c || !schema.HasTable(c))
            {
                continue;
            }

            foreach (var column in new[] { i.Column, i.When?.Column, i.Via }.OfType<string>().Where(col => schema.Type(c, col) is null))
            {
                Problem(i.Where, $"Identity column '{column}' does not exist in table '{c.Table}' of store '{storeName}'.");
            }
        }

        return problems;
    }

    /// <summary>
    /// A reference compares its column with the keys it points at: an array column needs array: true (and only it
    /// does), and the values must be of a kind that compares (text with text, numbers with numbers); a derived value
    /// or another column of the person is text.
    /// </summary>
    private static void CheckReferenceTypes(DataMapDocument map, Collection c, StoreSchema schema, string storeName, Action<SourceLocation, string> problem)
    {
        foreach (var r in c.References.Where(r => !r.IsEmbedded && r.Columns.Count == 1))
        {
            if (schema.Type(c, r.Columns[0]) is not { } type || map.Find(r.To) is not { } target || target.Key.Count != 1)
            {
                continue;
            }

            if (r.Array != type.IsArray)
            {
                problem(r.Where, r.Array
                    ? $"Column '{r.Columns[0]}' of '{c.Table}' is {type.DataType} in store '{storeName}', not an array: drop array: true."
                    : $"Column '{r.Columns[0]}' of '{c.Table}' is an array in store '{storeName}': say array: true.");
                continue;
            }

            var textual = r.Derive is not null || r.ToColumn is not null;
            var keyType = schema.Type(target, target.Key[0]);
            if ((textual && !type.IsText) || (!textual && keyType is not null && Kind(keyType) != Kind(type)))
            {
                problem(r.Where, $"Column '{r.Columns[0]}' of '{c.Table}' ({type.UdtName}) cannot hold {(textual ? "a value derived as text" : $"the key of '{target.Name}' ({keyType!.UdtName})")} in store '{storeName}'.");
            }
        }
    }

    private static string Kind(ColumnType t) => t.IsText ? "text" : t.IsInteger ? "number" : t.UdtName;

    /// <summary>JSON paths only where the column can hold JSON; a text column's values sampled, so that a column of plain text is caught now.</summary>
    private static async Task CheckJsonAsync(Collection c, StoreSchema schema, NpgsqlDataSource store, string storeName, Action<SourceLocation, string> problem, CancellationToken ct)
    {
        var uses = c.References.Where(r => r.JsonPath is not null).Select(r => (Column: r.Columns[0], r.Where))
            .Concat(c.Fields.Where(f => f.IsJson).Select(f => (f.Column, f.Where)))
            .Concat(c.Fields.Where(f => f.When?.JsonPath is not null).Select(f => (f.When!.Column, f.When.Where)));
        foreach (var (column, where) in uses.DistinctBy(u => u.Column))
        {
            var type = schema.Type(c, column);
            if (type is null || type.IsJsonb || type.IsJson)
            {
                continue;
            }

            if (!type.IsText || type.IsArray)
            {
                problem(where, $"json_path on column '{column}' of '{c.Table}', which is {type.DataType} in store '{storeName}': JSON paths need a json, jsonb or text column.");
                continue;
            }

            var (sampled, json) = await SampleJsonAsync(c, column, store, ct);
            if (sampled > 0 && json == 0)
            {
                problem(where, $"None of {sampled} sampled values of text column '{column}' of '{c.Table}' in store '{storeName}' is JSON: check the column and its json_path.");
            }
        }
    }

    private static async Task<(int Sampled, int Json)> SampleJsonAsync(Collection c, string column, NpgsqlDataSource store, CancellationToken ct)
    {
        var (s, t) = c.QualifiedTable;
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select {DataMapPlanner.Q(column)}::text from {DataMapPlanner.Q(s)}.{DataMapPlanner.Q(t)} where {DataMapPlanner.Q(column)} is not null limit {Sample}", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var sampled = 0;
        var json = 0;
        while (await reader.ReadAsync(ct))
        {
            sampled++;
            try
            {
                using var _ = JsonDocument.Parse(reader.GetString(0));
                json++;
            }
            catch (JsonException)
            {
            }
        }

        return (sampled, json);
    }

    /// <summary>Every pseudonym that replaces a whole value must fit the column: its type, and its width for varchar(n).</summary>
    private static void CheckPseudonyms(DataMapDocument map, Collection c, StoreSchema schema, Action<SourceLocation, string> problem)
    {
        var subject = map.SubjectCollection;
        var subjectDeleted = subject?.RowErasure == RowErasure.Delete;
        var writes = new List<(string Column, string? Format, SourceLocation Where)>();
        foreach (var f in c.Fields.Where(f => f.Erasure == FieldErasure.Pseudonymise && !f.IsJson))
        {
            var pointer = c.References.FirstOrDefault(r => r.To == subject?.Name && r.Relation != Relation.Link && r.Columns.Contains(f.Column));
            // A plain pointer is replaced only when the person's record is deleted; an embedded one is edited in place.
            if (pointer is null || (!pointer.IsEmbedded && subjectDeleted))
            {
                writes.Add((f.Column, f.PseudonymFormat, f.Where));
            }
        }

        writes.AddRange(c.References.Where(r => r.Erasure == FieldErasure.Pseudonymise && !r.IsEmbedded && subjectDeleted).Select(r => (r.Columns[0], r.PseudonymFormat, r.Where)));
        foreach (var (column, format, where) in writes)
        {
            if (schema.Type(c, column) is not { } type || Fits(type, format))
            {
                continue;
            }

            problem(where, $"Pseudonyms '{format ?? Pseudonyms.DefaultFormat}' ({Pseudonyms.Length(format)} characters) do not fit column '{column}' of '{c.Table}' " +
                $"({type.DataType}{(type.MaxLength is { } n ? $"({n})" : "")}): give a pseudonym format that fits, e.g. {(type.IsInteger ? "{digits:9}" : $"{{alnum:{Math.Min(type.MaxLength ?? 24, 24)}}}")}.");
        }
    }

    private static bool Fits(ColumnType type, string? format)
    {
        if (type.IsText)
        {
            return type.MaxLength is not { } n || Pseudonyms.Length(format) <= n;
        }

        if (type.IsInteger)
        {
            var digits = type.UdtName switch { "int2" => 4, "int4" => 9, "int8" => 18, _ => 30 };
            return Pseudonyms.IsNumeric(format) && Pseudonyms.Length(format) <= digits;
        }

        return false;
    }
}

/// <summary>
/// Which columns a store can search by index: the leading column of each b-tree index, the columns of GIN indexes,
/// and the columns named in expression indexes. Plans filter and join on the map's identity and reference columns
/// (dating columns are for the retention rules to check, per rule); one without a usable index makes every request or purge scan the table.
/// </summary>
public static class IndexCheck
{
    private sealed record TableIndexes(HashSet<string> Leading, HashSet<string> Gin, List<string> Expressions);

    public static async Task<IReadOnlyList<DataMapProblem>> WarningsAsync(DataMapDocument map, NpgsqlDataSource store, string storeName, CancellationToken ct)
    {
        var indexes = await ReadAsync(store, ct);
        var warnings = new List<DataMapProblem>();
        void Need(Collection c, string column, SourceLocation where, string use, bool gin = false, bool expression = false)
        {
            var (schema, table) = c.QualifiedTable;
            var t = indexes.GetValueOrDefault($"{schema}.{table}") ?? new TableIndexes([], [], []);
            var usable = (!gin && !expression && t.Leading.Contains(column))
                || (gin && t.Gin.Contains(column))
                || (expression && (t.Gin.Contains(column) || t.Expressions.Any(e => e.Contains(column, StringComparison.Ordinal))));
            if (!usable)
            {
                var kind = gin ? "a GIN index" : expression ? "an expression (or GIN) index" : "an index that starts with it";
                warnings.Add(new DataMapProblem(where, $"warning: store '{storeName}': {c.Table}.{column} has no usable index for {use}: add {kind}."));
            }
        }

        foreach (var i in map.Identities.Where(i => map.Find(i.Collection) is not null))
        {
            Need(map.Find(i.Collection)!, i.Column, i.Where, $"finding a person by {NameStyle.Kebab(i.Kind)}{(i.CaseInsensitive ? " in any case (an index on lower(" + i.Column + "))" : "")}", expression: i.CaseInsensitive);
        }

        foreach (var c in map.Collections)
        {
            foreach (var r in c.References)
            {
                var column = r.Columns[0];
                var use = r.Relation == Relation.Link ? $"the links to {r.To}" : $"the rows where the person is {NameStyle.Kebab(r.Relation)}";
                if (r.JsonPath is not null)
                {
                    Need(c, column, r.Where, use, expression: true);
                }
                else if (r.Pattern is not null)
                {
                    Need(c, column, r.Where, use + " (a text pattern: a trigram GIN index)", gin: true);
                }
                else if (r.Array)
                {
                    Need(c, column, r.Where, use, gin: true);
                }
                else
                {
                    Need(c, column, r.Where, use);
                }
            }
        }

        return warnings;
    }

    private static async Task<Dictionary<string, TableIndexes>> ReadAsync(NpgsqlDataSource store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            select n.nspname || '.' || t.relname, am.amname, a.attname, i.indexprs is not null, coalesce(pg_get_expr(i.indexprs, i.indrelid), '')
            from pg_index i
            join pg_class t on t.oid = i.indrelid
            join pg_namespace n on n.oid = t.relnamespace
            join pg_class ix on ix.oid = i.indexrelid
            join pg_am am on am.oid = ix.relam
            left join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0] and i.indkey[0] <> 0
            where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and i.indpred is null
            """, connection);
        var result = new Dictionary<string, TableIndexes>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var table = reader.GetString(0);
            if (!result.TryGetValue(table, out var t))
            {
                result[table] = t = new TableIndexes(new(StringComparer.Ordinal), new(StringComparer.Ordinal), []);
            }

            var column = reader.IsDBNull(2) ? null : reader.GetString(2);
            if (reader.GetString(1) == "gin")
            {
                if (column is not null)
                {
                    t.Gin.Add(column);
                }

                // A GIN index over an expression (a trigram index on a cast, a jsonb_path_ops index on a document).
                t.Expressions.Add(reader.GetString(4));
            }
            else if (column is not null)
            {
                t.Leading.Add(column);
            }

            if (reader.GetBoolean(3))
            {
                t.Expressions.Add(reader.GetString(4));
            }
        }

        return result;
    }
}
