using System.Globalization;
using Governance.Core.DataMap;
using Npgsql;

namespace Governance.Core.Retention;

/// <summary>
/// The <c>anonymise</c> action on a chat store's collection: its rows stay and lose their personal fields as the data
/// map's erasure treatments say — replaced, emptied, or (a pointer to a person, or the people's own rows) replaced by
/// the person's pseudonym, the same one erasure writes. A row counts as anonymised once its replaced fields hold their
/// replacement and its emptied fields are empty: that is what tells a later run, and a resumed one, to leave it.
/// Fields inside JSON documents, conditional fields, and rows with files are not anonymised by retention: their rules
/// are refused (use <c>delete</c>).
/// </summary>
public static class RetentionAnonymise
{
    /// <summary>Why <paramref name="collection"/> cannot be anonymised by retention, or null when it can.</summary>
    public static string? Problem(DataMapDocument map, Collection collection)
    {
        if (collection.RowErasure == RowErasure.Delete && !collection.Subject)
        {
            return $"'{collection.Name}' rows are deleted on erasure (row_erasure: delete): anonymising them would keep their content; use 'delete'.";
        }

        if (collection.Blobs.Count > 0)
        {
            return $"'{collection.Name}' rows have files, which anonymising cannot keep without their content; use 'delete'.";
        }

        if (collection.Fields.FirstOrDefault(f => f.IsJson || f.When is not null) is { } inside)
        {
            return $"'{collection.Name}.{inside.Column}' is a field inside a document or under a condition: retention anonymises plain columns only; use 'delete'.";
        }

        if (!collection.Fields.Any(f => f.Erasure is FieldErasure.Replace or FieldErasure.SetNull))
        {
            return $"'{collection.Name}' has no field that is replaced or emptied on erasure: nothing would show that a row was anonymised; use 'delete'.";
        }

        if (collection.Fields.FirstOrDefault(f => f.Erasure == FieldErasure.Pseudonymise && PersonOf(map, collection, f) is null) is { } orphan)
        {
            if (Pointer(map, collection, orphan) is not null)
            {
                return $"'{collection.Name}.{orphan.Column}' points at a person whose own row stays ('{map.SubjectCollection!.Name}' is kept on erasure): "
                    + "a pseudonym there would point at no one, and the person's id would say who it was; anonymise the people's rows, or use 'delete'.";
            }

            return $"'{collection.Name}.{orphan.Column}' is pseudonymised per person, but it is neither the people's own row nor a plain pointer to them: retention cannot tell whose it is.";
        }

        return null;
    }

    /// <summary>SQL over the row <c>t</c>: not anonymised yet (a replaced field not holding its replacement, or an emptied field not empty).</summary>
    internal static string PendingSql(Collection collection, Func<object, string> parameter) =>
        "(" + string.Join(" or ", collection.Fields.Where(f => f.Erasure is FieldErasure.Replace or FieldErasure.SetNull).Select(f => f.Erasure == FieldErasure.Replace
            ? $"t.{DataMapPlanner.Q(f.Column)} is distinct from {parameter(f.Replacement ?? "")}"
            : $"t.{DataMapPlanner.Q(f.Column)} is not null")) + ")";

    /// <summary>Anonymises the rows with keys <paramref name="roots"/> in the caller's transaction; returns how many rows changed.</summary>
    internal static async Task<int> BatchAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DataMapDocument map, Collection collection, Array roots,
        Pseudonyms pseudonyms, CancellationToken ct)
    {
        var (schema, table) = collection.QualifiedTable;
        var qualified = $"{DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)}";
        var key = DataMapPlanner.Q(collection.Key[0]);

        // Pointers and the people's own identifiers first: each distinct person in the batch gets their pseudonym.
        foreach (var field in collection.Fields.Where(f => f.Erasure == FieldErasure.Pseudonymise))
        {
            var column = DataMapPlanner.Q(field.Column);
            var person = PersonOf(map, collection, field)!;
            var personSql = person == field.Column ? $"t.{column}" : $"t.{DataMapPlanner.Q(person)}";
            var type = await ColumnTypeAsync(connection, tx, schema, table, field.Column, ct);
            var people = new List<string>();
            await using (var read = new NpgsqlCommand($"select distinct {personSql}::text from {qualified} t where t.{key} = any(@roots) and t.{column} is not null", connection, tx))
            {
                read.Parameters.Add(new NpgsqlParameter("roots", roots));
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    people.Add(reader.GetString(0));
                }
            }

            if (people.Count == 0)
            {
                continue;
            }

            var made = people.Select(p => pseudonyms.Make(map.Name, p, field.PseudonymFormat)).ToArray();
            await using var write = new NpgsqlCommand(
                $"update {qualified} t set {column} = cast(m.pseudonym as {type}) from unnest(@people, @made) m(person, pseudonym) where t.{key} = any(@roots) and {personSql}::text = m.person",
                connection, tx);
            write.Parameters.Add(new NpgsqlParameter("roots", roots));
            write.Parameters.Add(new NpgsqlParameter("people", people.ToArray()));
            write.Parameters.Add(new NpgsqlParameter("made", made));
            await write.ExecuteNonQueryAsync(ct);
        }

        var sets = new List<string>();
        await using var update = new NpgsqlCommand { Connection = connection, Transaction = tx };
        foreach (var field in collection.Fields.Where(f => f.Erasure is FieldErasure.Replace or FieldErasure.SetNull))
        {
            if (field.Erasure == FieldErasure.SetNull)
            {
                sets.Add($"{DataMapPlanner.Q(field.Column)} = null");
            }
            else
            {
                var name = "r" + update.Parameters.Count.ToString(CultureInfo.InvariantCulture);
                update.Parameters.Add(new NpgsqlParameter(name, field.Replacement ?? ""));
                sets.Add($"{DataMapPlanner.Q(field.Column)} = @{name}");
            }
        }

        update.CommandText = $"update {qualified} t set {string.Join(", ", sets)} where t.{key} = any(@roots)";
        update.Parameters.Add(new NpgsqlParameter("roots", roots));
        return await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The column whose value is the person's key for a pseudonymised field: the row's key in the people's own collection, else the pointer itself.</summary>
    private static string? PersonOf(DataMapDocument map, Collection collection, Field field)
    {
        if (collection.Subject || collection.Name == map.SubjectCollection?.Name)
        {
            return collection.Key.Count == 1 ? collection.Key[0] : null;
        }

        // A pointer to a person becomes their pseudonym only where erasure does the same: when the people's rows are deleted.
        return Pointer(map, collection, field) is not null && map.SubjectCollection?.RowErasure == RowErasure.Delete ? field.Column : null;
    }

    private static Reference? Pointer(DataMapDocument map, Collection collection, Field field) =>
        collection.References.FirstOrDefault(r => r.To == map.SubjectCollection?.Name && r.Columns.Count == 1 && r.Columns[0] == field.Column && r.IsDirect && !r.Array);

    private static async Task<string> ColumnTypeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string schema, string table, string column, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select format_type(a.atttypid, a.atttypmod) from pg_attribute a
            join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = @schema and c.relname = @table and a.attname = @column and not a.attisdropped
            """, connection, tx);
        command.Parameters.AddWithValue("schema", schema);
        command.Parameters.AddWithValue("table", table);
        command.Parameters.AddWithValue("column", column);
        return await command.ExecuteScalarAsync(ct) as string
            ?? throw new InvalidOperationException($"The store has no column {table}.{column} that the data map names.");
    }
}
