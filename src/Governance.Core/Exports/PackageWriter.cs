using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Npgsql;

namespace Governance.Core.Exports;

/// <summary>One file of a package: its name in the ZIP, size, SHA-256, and for data files the collection, what the rows are and how many.</summary>
public sealed record PackageEntry(string Name, long Bytes, string Sha256, string? Collection = null, string? What = null, long? Rows = null, IReadOnlyList<string>? Columns = null);

/// <summary>
/// Writes one store's part of a person's access package as a ZIP, streamed: every read of the access plan runs in one
/// read-only snapshot, and its rows go straight into the archive (JSON Lines, then CSV from the same snapshot), so
/// memory does not grow with the person's data. The person's files are copied from the store's blob folder. Every
/// entry's SHA-256 is computed as it is written; <c>manifest.json</c> lists them with the row counts, and
/// <c>SHA256SUMS</c> holds them in the form <c>sha256sum -c</c> checks. What the entries mean is said in the README
/// (English and Simplified Chinese).
/// </summary>
public static class PackageWriter
{
    public sealed record Source(string Reference, string Store, string Region, DateTimeOffset At);

    public static async Task<IReadOnlyList<PackageEntry>> WriteAsync(Plan plan, ChatStore store, Source source, Stream output, CancellationToken ct,
        Func<IReadOnlyList<PackageEntry>, IReadOnlyList<(string Name, byte[] Content)>>? summary = null)
    {
        var entries = new List<PackageEntry>();
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        // Helpers in pg_temp (reading JSON kept in text) are made for the session first: the snapshot is read-only.
        await new PlanSession(plan, connection, null).SetupAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("set transaction read only", connection, tx))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        var session = new PlanSession(plan, connection, tx);
        foreach (var step in plan.Steps)
        {
            switch (step.Role)
            {
                case StepRole.Find or StepRole.Keys:
                {
                    await using var command = session.Command(step, step.Sql);
                    var (keys, _) = await PlanSession.ReadAsync(command, ct);
                    session.Yield(step.Produces!, keys, strict: false);
                    break;
                }

                case StepRole.Own or StepRole.PointsAtPerson or StepRole.Context:
                {
                    var name = $"data/{step.Order:D2}-{step.Collection}";
                    var (json, columns, rows) = await WriteRowsAsync(zip, name + ".jsonl", session, step, csv: false, ct);
                    entries.Add(json with { Collection = step.Collection, What = step.Description, Rows = rows, Columns = columns });
                    var (csv, _, _) = await WriteRowsAsync(zip, name + ".csv", session, step, csv: true, ct);
                    entries.Add(csv with { Collection = step.Collection, What = step.Description, Rows = rows, Columns = columns });
                    break;
                }

                case StepRole.Files:
                    entries.AddRange(await CopyFilesAsync(zip, session, step, store.BlobRoot, ct));
                    break;
            }
        }

        await tx.CommitAsync(ct);
        foreach (var (name, content) in summary?.Invoke(entries) ?? [])
        {
            entries.Add(await WriteBytesAsync(zip, name, content, ct));
        }

        entries.Add(await WriteTextAsync(zip, "README.md", PackageReadme.English(source, entries), ct));
        entries.Add(await WriteTextAsync(zip, "README.zh-CN.md", PackageReadme.Chinese(source, entries), ct));
        entries.Add(await WriteTextAsync(zip, "manifest.json", Manifest(source, entries), ct));
        await WriteTextAsync(zip, "SHA256SUMS", string.Concat(entries.Select(e => $"{e.Sha256}  {e.Name}\n")), ct);
        return entries;
    }

    private static string Manifest(Source source, IReadOnlyList<PackageEntry> entries) => JsonSerializer.Serialize(new
    {
        request = source.Reference,
        store = source.Store,
        region = source.Region,
        generatedAt = source.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        formats = new { jsonl = "one JSON object per line (RFC 8259), UTF-8", csv = "RFC 4180, UTF-8, a header line of column names" },
        collections = entries.Where(e => e.Rows is not null && e.Name.EndsWith(".jsonl", StringComparison.Ordinal))
            .Select(e => new { file = e.Name, csv = e.Name[..^".jsonl".Length] + ".csv", collection = e.Collection, what = e.What, rows = e.Rows, columns = e.Columns }),
        files = entries.Select(e => new { name = e.Name, bytes = e.Bytes, sha256 = e.Sha256 }),
    }, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Runs a step's read and writes its rows as JSON Lines or CSV into a new entry; returns the entry, the columns and the rows.</summary>
    private static async Task<(PackageEntry Entry, IReadOnlyList<string> Columns, long Rows)> WriteRowsAsync(
        ZipArchive zip, string name, PlanSession session, PlanStep step, bool csv, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var hashing = new HashingStream(entry.Open());
        await using var command = session.Command(step, step.Sql);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        long rows = 0;
        await using var text = new StreamWriter(hashing, new UTF8Encoding(false), 64 * 1024) { NewLine = csv ? "\r\n" : "\n" };
        if (csv)
        {
            await text.WriteLineAsync(string.Join(',', columns.Select(Csv)));
        }

        var values = new object?[columns.Count];
        var buffer = new ArrayBufferWriterStream();
        while (await reader.ReadAsync(ct))
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = await reader.IsDBNullAsync(i, ct) ? null : reader.GetValue(i);
            }

            if (csv)
            {
                await text.WriteLineAsync(string.Join(',', values.Select(v => Csv(Text(v)))));
            }
            else
            {
                buffer.Reset();
                using (var json = new Utf8JsonWriter(buffer))
                {
                    json.WriteStartObject();
                    for (var i = 0; i < values.Length; i++)
                    {
                        json.WritePropertyName(columns[i]);
                        WriteJson(json, values[i]);
                    }

                    json.WriteEndObject();
                }

                await text.WriteLineAsync(Encoding.UTF8.GetString(buffer.Written));
            }

            rows++;
        }

        await text.FlushAsync(ct);
        return (new PackageEntry(name, hashing.Length, hashing.Hash()), columns, rows);
    }

    private static async Task<IReadOnlyList<PackageEntry>> CopyFilesAsync(ZipArchive zip, PlanSession session, PlanStep step, string blobRoot, CancellationToken ct)
    {
        var root = Path.GetFullPath(blobRoot);
        var entries = new List<PackageEntry>();
        await using var command = session.Command(step, step.Sql);
        var (_, rows) = await PlanSession.ReadAsync(command, ct);
        foreach (var path in rows.Select(r => Convert.ToString(r[0], CultureInfo.InvariantCulture)!).Distinct(StringComparer.Ordinal))
        {
            var full = Path.GetFullPath(Path.Combine(root, path.TrimStart('/')));
            if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Step {step.Order} names a file outside the store's blob folder; the package was not written.");
            }

            if (!File.Exists(full))
            {
                continue; // listed in the data files with its row; the file itself is gone from storage
            }

            var name = "files/" + Path.GetRelativePath(root, full).Replace('\\', '/');
            var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
            await using var hashing = new HashingStream(entry.Open());
            await using (var file = File.OpenRead(full))
            {
                await file.CopyToAsync(hashing, ct);
            }

            entries.Add(new PackageEntry(name, hashing.Length, hashing.Hash(), step.Collection, "a file the person shared"));
        }

        return entries;
    }

    private static Task<PackageEntry> WriteTextAsync(ZipArchive zip, string name, string content, CancellationToken ct) =>
        WriteBytesAsync(zip, name, new UTF8Encoding(false).GetBytes(content), ct);

    private static async Task<PackageEntry> WriteBytesAsync(ZipArchive zip, string name, byte[] content, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var hashing = new HashingStream(entry.Open());
        await hashing.WriteAsync(content, ct);
        return new PackageEntry(name, hashing.Length, hashing.Hash());
    }

    private static void WriteJson(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case long or int or short or decimal or double or float:
                json.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case Array a and not byte[]:
                json.WriteStartArray();
                foreach (var item in a)
                {
                    WriteJson(json, item);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Text(value));
                break;
        }
    }

    /// <summary>A value as text: dates in ISO 8601 (UTC), bytes in base64, arrays as JSON, the rest invariant.</summary>
    private static string Text(object? value) => value switch
    {
        null => "",
        DateTime d => d.Kind == DateTimeKind.Unspecified ? d.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) : d.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        byte[] b => Convert.ToBase64String(b),
        Array a => JsonSerializer.Serialize(a.Cast<object?>().Select(v => v is string or null ? v : Text(v))),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>A write-only stream that counts and hashes what passes through it.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public string Hash() => Convert.ToHexStringLower(_hash.GetCurrentHash());

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            _length += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            _hash.Dispose();
            await base.DisposeAsync();
        }
    }

    /// <summary>A reusable buffer for one JSON line.</summary>
    private sealed class ArrayBufferWriterStream : System.Buffers.IBufferWriter<byte>
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _inner = new(4096);

        public ReadOnlySpan<byte> Written => _inner.WrittenSpan;

        public void Reset() => _inner.ResetWrittenCount();

        public void Advance(int count) => _inner.Advance(count);

        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);
    }
}
