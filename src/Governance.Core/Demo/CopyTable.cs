using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.Demo;

/// <summary>
/// A table loaded by binary COPY, described as data: its name and, per column, how a row gives the value and of
/// which PostgreSQL type. A null value is written as NULL. Values are written without boxing, so that tens of
/// millions of rows load at the speed of the copy itself.
/// </summary>
internal sealed class CopyTable<T>(string name, params CopyColumn<T>[] columns)
{
    public string Name => name;

    public string Statement => $"copy {name} ({string.Join(", ", columns.Select(c => c.Name))}) from stdin (format binary)";

    /// <summary>Writes every row and returns their number; checks for cancellation every 65,536 rows.</summary>
    public long Write(NpgsqlConnection connection, IEnumerable<T> rows, CancellationToken ct)
    {
        using var importer = connection.BeginBinaryImport(Statement);
        long n = 0;
        foreach (var row in rows)
        {
            if ((n & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            importer.StartRow();
            foreach (var column in columns)
            {
                column.Write(importer, row);
            }

            n++;
        }

        importer.Complete();
        return n;
    }
}

/// <summary>One column of a <see cref="CopyTable{T}"/>: its name and how it writes a row's value.</summary>
internal sealed class CopyColumn<T>(string name, Action<NpgsqlBinaryImporter, T> write)
{
    public string Name => name;

    public void Write(NpgsqlBinaryImporter importer, T row) => write(importer, row);
}

/// <summary>Columns by PostgreSQL type; each writes NULL for a null value.</summary>
internal static class Column<T>
{
    public static CopyColumn<T> Bigint(string name, Func<T, long?> value) =>
        new(name, (w, row) => Write(w, value(row), NpgsqlDbType.Bigint));

    public static CopyColumn<T> Text(string name, Func<T, string?> value) =>
        new(name, (w, row) => Write(w, value(row), NpgsqlDbType.Text));

    public static CopyColumn<T> Time(string name, Func<T, DateTime?> value) =>
        new(name, (w, row) => Write(w, value(row), NpgsqlDbType.TimestampTz));

    public static CopyColumn<T> Inet(string name, Func<T, IPAddress?> value) =>
        new(name, (w, row) => WriteReference(w, value(row), NpgsqlDbType.Inet));

    public static CopyColumn<T> Bigints(string name, Func<T, long[]?> value) =>
        new(name, (w, row) => WriteReference(w, value(row), NpgsqlDbType.Array | NpgsqlDbType.Bigint));

    private static void Write<TValue>(NpgsqlBinaryImporter w, TValue? value, NpgsqlDbType type)
        where TValue : struct
    {
        if (value is { } v)
        {
            w.Write(v, type);
        }
        else
        {
            w.WriteNull();
        }
    }

    private static void Write(NpgsqlBinaryImporter w, string? value, NpgsqlDbType type) => WriteReference(w, value, type);

    private static void WriteReference<TValue>(NpgsqlBinaryImporter w, TValue? value, NpgsqlDbType type)
        where TValue : class
    {
        if (value is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(value, type);
        }
    }
}
