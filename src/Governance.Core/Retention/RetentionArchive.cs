using System.Security.Cryptography;
using System.Text;
using Dapper;
using Governance.Core.Database;
using Governance.Core.Exports;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;

namespace Governance.Core.Retention;

/// <summary>
/// The archive an <c>archive-then-delete</c> rule writes before it deletes: every row each batch deletes (the rule's
/// rows and their dependants, exactly as the delete returned them, one JSON line each), in a file per batch in the
/// store's region's own folder (an archive never leaves its region), encrypted at rest like export packages
/// (AES-256-GCM, a random key per run kept only protected by the console's data-protection keys), written whole and
/// recorded with its SHA-256 before the batch's store transaction commits. Files the rows name are removed, not copied:
/// the archive keeps their paths.
/// </summary>
public sealed class RetentionArchive(GovernanceDatabase governance, IDataProtectionProvider protection, IConfiguration configuration, RetentionOptions options)
{
    private IDataProtector Protector => protection.CreateProtector("Governance.Retention.ArchiveKeys.v1");

    /// <summary>The folder of a region's archives: <c>Retention:ArchiveFolders:&lt;region&gt;</c>, else under the data directory.</summary>
    public string FolderOf(string region) =>
        options.ArchiveFolders.TryGetValue(region, out var folder) && !string.IsNullOrWhiteSpace(folder)
            ? Path.GetFullPath(folder)
            : Path.Combine(GovernancePaths.DataDirectory(configuration), "retention-archives", region);

    /// <summary>Writes one batch's rows, encrypted, and records the file (state 'written') before the store commits.</summary>
    public async Task WriteAsync(Guid runId, int seq, string store, string region, IReadOnlyList<(string Collection, string Row)> rows, CancellationToken ct)
    {
        var key = await KeyAsync(runId, ct);
        var folder = Path.Combine(FolderOf(region), runId.ToString("N"));
        Directory.CreateDirectory(folder);
        var name = $"{store}-{seq:D6}.jsonl.gpkg";
        var (sha, size) = await PackageFile.WriteAsync(Path.Combine(folder, name), replace: true, async stream =>
        {
            await using var encrypting = PackageCipher.Encrypting(stream, key, leaveOpen: true);
            await using var writer = new StreamWriter(encrypting, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
            foreach (var (collection, row) in rows)
            {
                // One line per row: {"collection": ..., "row": <the row as the store returned it>}.
                await writer.WriteAsync($"{{\"collection\":{System.Text.Json.JsonSerializer.Serialize(collection)},\"row\":{row}}}\n");
            }
        }, ct);
        await using var g = await governance.OpenAsync(ct);
        await g.ExecuteAsync(new CommandDefinition("""
            insert into gov.retention_archives (run_id, seq, store, region, file, sha256, rows, bytes, state)
            values (@runId, @seq, @store, @region, @file, @sha, @count, @size, 'written')
            on conflict (run_id, seq) do update set file = excluded.file, sha256 = excluded.sha256, rows = excluded.rows, bytes = excluded.bytes, state = 'written'
            """, new { runId, seq, store, region, file = Path.Combine(runId.ToString("N"), name), sha, count = rows.Count, size }, cancellationToken: ct));
    }

    /// <summary>A batch whose store transaction did not commit: its archive file goes (its rows were not deleted).</summary>
    internal async Task AbandonAsync(Guid runId, int seq, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var found = await g.QuerySingleOrDefaultAsync<(string Region, string File)?>(new CommandDefinition(
            "select region, file from gov.retention_archives where run_id = @runId and seq = @seq and state = 'written'", new { runId, seq }, cancellationToken: ct));
        if (found is { } f)
        {
            File.Delete(Path.Combine(FolderOf(f.Region), f.File));
            await g.ExecuteAsync(new CommandDefinition("update gov.retention_archives set state = 'abandoned' where run_id = @runId and seq = @seq", new { runId, seq }, cancellationToken: ct));
        }
    }

    /// <summary>
    /// Every archived row of a run, decrypted, in batch order (one JSON line each): for a privacy officer's download or
    /// a restore. A file that is missing or whose SHA-256 differs from the one recorded is refused.
    /// </summary>
    public async Task CopyAsync(Guid runId, Stream output, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var key = Convert.FromBase64String(Protector.Unprotect(await g.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select archive_key from gov.retention_runs where id = @runId", new { runId }, cancellationToken: ct))
            ?? throw Validation.ValidationException.For("retention archive", "run", "This run archived nothing.")));
        var files = await g.QueryAsync<(string Region, string File, string Sha)>(new CommandDefinition(
            "select region, file, sha256 from gov.retention_archives where run_id = @runId and state = 'written' order by seq", new { runId }, cancellationToken: ct));
        foreach (var (region, file, sha) in files)
        {
            var path = Path.Combine(FolderOf(region), file);
            await using (var check = File.OpenRead(path))
            {
                if (Convert.ToHexStringLower(await SHA256.HashDataAsync(check, ct)) != sha)
                {
                    throw new InvalidOperationException("An archive file of this run differs from the one recorded when it was written.");
                }
            }

            await using var input = File.OpenRead(path);
            await PackageCipher.DecryptAsync(input, output, key, ct);
        }
    }

    /// <summary>How many rows and files a run archived, or null when it archived nothing.</summary>
    public async Task<(long Rows, long Files)?> SizeAsync(Guid runId, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var (rows, files) = await g.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "select coalesce(sum(rows), 0)::bigint, count(*) from gov.retention_archives where run_id = @runId and state = 'written'", new { runId }, cancellationToken: ct));
        return files == 0 ? null : (rows, files);
    }

    /// <summary>The run's archive key: made on its first batch, kept only protected.</summary>
    private async Task<byte[]> KeyAsync(Guid runId, CancellationToken ct)
    {
        await using var g = await governance.OpenAsync(ct);
        var made = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var stored = await g.ExecuteScalarAsync<string>(new CommandDefinition("""
            update gov.retention_runs set archive_key = coalesce(archive_key, @key) where id = @runId returning archive_key
            """, new { runId, key = Protector.Protect(made) }, cancellationToken: ct));
        return Convert.FromBase64String(Protector.Unprotect(stored!));
    }
}
