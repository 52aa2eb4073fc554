using System.Globalization;
using Governance.Core.Database;
using Microsoft.Extensions.Configuration;

namespace Governance.Core.Audit;

/// <summary>
/// Checkpoints published outside the database (<c>Audit:CheckpointFile</c>; by default
/// <c>&lt;DataDirectory&gt;/audit/checkpoints.log</c>): one line per intact verification, position and hash. Someone
/// who controls the database server can rewrite the log, the chain and the checkpoints table together so that they
/// agree; they cannot also rewrite this file unless they control the console's machine too. Point it at storage the
/// database's administrators cannot write (another machine, an append-only share) for that to hold (docs/audit.md).
/// </summary>
public sealed class PublishedCheckpoints(IConfiguration configuration)
{
    public const string Setting = "Audit:CheckpointFile";

    public string FilePath
    {
        get
        {
            var configured = configuration[Setting];
            return string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(GovernancePaths.DataDirectory(configuration), "audit", "checkpoints.log")
                : Path.GetFullPath(configured);
        }
    }

    /// <summary>Appends one checkpoint and forces it to disk; the file is created readable and writable by its owner only.</summary>
    public void Append(long position, byte[] hash, DateTimeOffset verifiedAt)
    {
        var path = FilePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows() && !File.Exists(path))
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{position} {Convert.ToHexStringLower(hash)} {verifiedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Every published checkpoint; a line that is not one is an error naming the file and line.</summary>
    public IReadOnlyList<(long Position, byte[] Hash, DateTimeOffset VerifiedAt)> Read()
    {
        var path = FilePath;
        if (!File.Exists(path))
        {
            return [];
        }

        var list = new List<(long, byte[], DateTimeOffset)>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var parts = line.Split(' ');
            if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var position) || parts[1].Length != 64
                || !DateTimeOffset.TryParseExact(parts[2], "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                throw new InvalidOperationException($"{path}:{number}: not a checkpoint line ('position hash time'): the published checkpoints were altered.");
            }

            list.Add((position, Convert.FromHexString(parts[1]), at));
        }

        return list;
    }
}
