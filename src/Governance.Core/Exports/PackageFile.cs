using System.Security.Cryptography;

namespace Governance.Core.Exports;

/// <summary>A file of the export folders written whole or not at all: to a partial file first, moved into place, then hashed.</summary>
internal static class PackageFile
{
    /// <summary>Writes through <paramref name="write"/>; a failure removes the partial file. Returns the SHA-256 (hex) and size of the file in place.</summary>
    public static async Task<(string Sha256, long Size)> WriteAsync(string final, bool replace, Func<Stream, Task> write, CancellationToken ct)
    {
        var partial = final + ".partial";
        try
        {
            await using (var file = new FileStream(partial, replace ? FileMode.Create : FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                await write(file);
            }

            File.Move(partial, final, overwrite: replace);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }

        await using var written = File.OpenRead(final);
        return (Convert.ToHexStringLower(await SHA256.HashDataAsync(written, ct)), written.Length);
    }
}
