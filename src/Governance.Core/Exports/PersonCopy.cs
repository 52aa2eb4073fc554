using System.IO.Pipelines;
using System.Security.Cryptography;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Validation;
using ICSharpCode.SharpZipLib.Zip;

namespace Governance.Core.Exports;

/// <summary>A password-protected copy just made: the password is shown once to whoever made it, and never kept.</summary>
public sealed record PersonCopyMade(Guid PackageId, string Password, string Sha256, long SizeBytes);

/// <summary>
/// The copy of a ready package that staff hand to the person: the same files in a ZIP that every entry of is encrypted
/// with AES-256 (WinZip AE-2, which 7-Zip, WinZip and the archive tools of Windows 11 and macOS open) under a password
/// the console makes, shows once, and does not keep; staff send the password by another channel than the file. The
/// copy is written in the package's own region folder, streamed from the decrypted package without buffering it, and
/// deleted with its package. Making and downloading it are audited; the password never is.
/// </summary>
public sealed class PersonCopy(GovernanceDatabase database, RequestExport export, AuditLog audit)
{
    // No 0/O, 1/I/l: read out over the telephone or copied by hand without doubt. 20 symbols of 31 ≈ 99 bits.
    private const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const int Groups = 5;
    private const int GroupLength = 4;

    /// <summary>A new password: five groups of four unambiguous letters and digits.</summary>
    public static string NewPassword()
    {
        var chars = new char[Groups * GroupLength];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return string.Join('-', Enumerable.Range(0, Groups).Select(g => new string(chars, g * GroupLength, GroupLength)));
    }

    /// <summary>Makes (or makes anew, under a new password) the copy of a ready package; refused, audited and nothing written when the package is not ready.</summary>
    public async Task<PersonCopyMade> MakeAsync(Guid packageId, AuditActor actor, CancellationToken ct)
    {
        var package = await export.FindAsync(packageId, ct);
        if (package is null || package.State != "ready" || package.ExpiresAt <= DateTimeOffset.UtcNow)
        {
            await audit.AppendAsync(new AuditRecord(actor, "export.person-copy", AuditOutcome.Denied, "export", packageId.ToString("D"), package?.RequestId.ToString("D"),
                new Dictionary<string, object?> { ["reason"] = package is null ? "not-found" : "not-ready" }), ct);
            throw package is null
                ? new KeyNotFoundException("No such package.")
                : ValidationException.For("export", "package", "This package is not ready or has expired: export the request again first.");
        }

        var password = NewPassword();
        var folder = export.FolderOf(package.Region);
        var final = Path.Combine(folder, $"{package.Id:N}.person.zip");
        var (sha, size) = await PackageFile.WriteAsync(final, replace: true, async file =>
        {
            if (!await WriteAsync(package, file, password, ct))
            {
                throw ValidationException.For("export", "package", "This package expired while its copy was being made.");
            }
        }, ct);

        await using (var connection = await database.OpenAsync(ct))
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                update gov.exports set copy_file_name = @file, copy_sha256 = @sha, copy_size_bytes = @size, copy_made_at = now(), copy_made_by = @by
                where id = @id
                """, new { id = package.Id, file = Path.GetFileName(final), sha, size, by = actor.Id }, cancellationToken: ct));
        }

        await audit.AppendAsync(new AuditRecord(actor, "export.person-copy", AuditOutcome.Success, "export", package.Id.ToString("D"), package.RequestId.ToString("D"),
            new Dictionary<string, object?> { ["store"] = package.Store, ["sha256"] = sha, ["encryption"] = "winzip-aes-256" }), ct);
        return new PersonCopyMade(package.Id, password, sha, size);
    }

    /// <summary>The copy's file as kept (it is protected by its password), or null when there is none or its package expired.</summary>
    public async Task<(Stream Content, string Sha256)?> OpenAsync(ExportPackage package, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(string? File, string? Sha)>(new CommandDefinition(
            "select copy_file_name, copy_sha256 from gov.exports where id = @id and state = 'ready' and expires_at > now()", new { id = package.Id }, cancellationToken: ct));
        if (row.File is null)
        {
            return null;
        }

        return (File.OpenRead(Path.Combine(export.FolderOf(package.Region), row.File)), row.Sha!);
    }

    /// <summary>
    /// Streams the decrypted package through a pipe into a forward-only ZIP reader, and each of its entries into the
    /// encrypted ZIP: the package is never whole in memory nor on disk in the clear.
    /// </summary>
    private async Task<bool> WriteAsync(ExportPackage package, Stream output, string password, CancellationToken ct)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var producing = Task.Run(async () =>
        {
            await using var writer = pipe.Writer.AsStream();
            try
            {
                return await export.OpenAsync(package, writer, ct);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex);
                throw;
            }
        }, ct);

        var consuming = Task.Run(() =>
        {
            using var reader = pipe.Reader.AsStream();
            using var input = new ZipInputStream(reader) { IsStreamOwner = false };
            using var zip = new ZipOutputStream(output) { IsStreamOwner = false, Password = password };
            zip.SetLevel(6);
            var buffer = new byte[81920];
            while (input.GetNextEntry() is { } source)
            {
                ct.ThrowIfCancellationRequested();
                if (!source.IsFile)
                {
                    continue;
                }

                zip.PutNextEntry(new ZipEntry(ZipEntry.CleanName(source.Name)) { DateTime = source.DateTime, AESKeySize = 256, CompressionMethod = CompressionMethod.Deflated });
                int read;
                while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    zip.Write(buffer, 0, read);
                }

                zip.CloseEntry();
            }

            zip.Finish();
            // The reader may stop at the central directory: what is left of the package is read to let the producer end.
            reader.CopyTo(Stream.Null);
        }, ct);

        // A reader that fails completes the pipe, and the producer's writes then go nowhere until it ends: both are awaited.
        await Task.WhenAll(consuming, producing);
        return producing.Result;
    }
}
