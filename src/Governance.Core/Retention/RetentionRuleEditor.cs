using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Governance.Core.Database;
using Governance.Core.Validation;

namespace Governance.Core.Retention;

/// <summary>One version of a retention file: found in the folder, or saved from the Retention page.</summary>
public sealed record RetentionRuleVersion(string File, int Version, string Sha256, string Source, string ChangedBy, DateTimeOffset ChangedAt, string Reason, string Content);

/// <summary>A retention file as it stands in the folder now, with the versions the console has recorded of it.</summary>
public sealed record RetentionFile(string Name, string Content, string Sha256, IReadOnlyList<RetentionRuleVersion> Versions);

/// <summary>A change under review: the text it would write, the difference from the file as opened, and whether the rules would still validate.</summary>
public sealed record RetentionEditReview(string File, string BaseSha256, string Proposed, IReadOnlyList<LineDiff.Line> Diff, IReadOnlyList<DataMapProblem> Problems)
{
    public bool Valid => Problems.Count == 0;

    public bool Changed => Diff.Any(l => l.Kind != LineDiff.Kind.Same);
}

/// <summary>
/// Edits the retention files from the Retention page. The files stay the source of truth: a saved change is checked
/// with every other file exactly as <c>./gov policies validate</c> checks it, written to the folder whole (or not at
/// all), and recorded as a new version with who, when and why, in the same transaction as its audit entry. A file
/// changed in the folder by other means is recorded as a version of its own the next time the console reads it. Two
/// people saving the same file at once: the second is told that it changed since they opened it, and nothing is written.
/// </summary>
public sealed partial class RetentionRuleEditor(GovernanceDatabase database, RetentionCatalog catalog, ChatStoreRegistry stores, AuditLog audit)
{
    /// <summary>A retention file larger than this is edited in the folder, not on the page.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>The retention files in the folder, by name.</summary>
    public IReadOnlyList<string> FileNames() =>
        Directory.Exists(catalog.Directory)
            ? Directory.EnumerateFiles(catalog.Directory).Select(Path.GetFileName).OfType<string>().Where(n => FileName().IsMatch(n)).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>The file as it stands, with its history; records it as a version when it differs from the last one recorded.</summary>
    public async Task<RetentionFile> OpenAsync(string file, CancellationToken ct)
    {
        var path = PathOf(file);
        var content = await File.ReadAllTextAsync(path, ct);
        await using (var connection = await database.OpenAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            await LockAsync(connection, tx, file, ct);
            if (await RecordFoundAsync(connection, tx, file, content, ct))
            {
                await tx.CommitAsync(ct);
                audit.Committed();
            }
        }

        return new RetentionFile(file, content, Sha256(content), await HistoryAsync(file, ct));
    }

    /// <summary>Every recorded version of a file, newest first.</summary>
    public async Task<IReadOnlyList<RetentionRuleVersion>> HistoryAsync(string file, CancellationToken ct)
    {
        CheckName(file);
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<(string File, int Version, string Sha, string Source, string By, DateTime At, string Reason, string Content)>(new CommandDefinition("""
            select file, version, sha256, source, changed_by, changed_at, reason, content
            from gov.retention_rule_versions where file = @file order by version desc
            """, new { file }, cancellationToken: ct))).Select(v => new RetentionRuleVersion(v.File, v.Version, v.Sha, v.Source, v.By, DbTime.Utc(v.At), v.Reason, v.Content)).ToList();
    }

    /// <summary>What saving <paramref name="proposed"/> over the file as opened (<paramref name="baseSha256"/>) would change, and whether the rules would still validate.</summary>
    public RetentionEditReview Review(string file, string baseSha256, string proposed) => Review(file, File.ReadAllText(PathOf(file)), baseSha256, proposed);

    /// <summary>The review against <paramref name="current"/>, the file's text already read (saving reads it once, under its lock).</summary>
    private RetentionEditReview Review(string file, string current, string baseSha256, string proposed)
    {
        var problems = new List<DataMapProblem>();
        if (Encoding.UTF8.GetByteCount(proposed) > MaxBytes)
        {
            problems.Add(new DataMapProblem(new SourceLocation(file, 1, 1), $"Longer than {MaxBytes / 1024} KB: edit this file in the folder."));
        }
        else
        {
            var policy = catalog.Load(Regions(), new Dictionary<string, string>(StringComparer.Ordinal) { [file] = proposed });
            problems.AddRange(policy.Problems);
        }

        return new RetentionEditReview(file, baseSha256, proposed, LineDiff.Compare(current, proposed), problems);
    }

    /// <summary>The review of a change to one rule's settings, made in its file.</summary>
    public RetentionEditReview ReviewRuleChange(string ruleName, RetentionRuleChange change)
    {
        var rule = catalog.Load(Regions()).Find(ruleName) ?? throw ValidationException.For("retention rule", "rule", $"No rule named '{ruleName}' is in force.");
        var file = Path.GetFileName(rule.Where.File);
        var current = File.ReadAllText(PathOf(file));
        var proposed = change.ApplyTo(current, ruleName) ?? throw ValidationException.For("retention rule", "rule", $"The rule '{ruleName}' was not found in {file}: it changed since the page was opened.");
        return Review(file, current, Sha256(current), proposed);
    }

    /// <summary>
    /// Saves a reviewed change: a privacy officer only, with a reason; refused with nothing written when the file changed
    /// since it was opened, when the rules would not validate, or when the folder cannot be written.
    /// </summary>
    public async Task<RetentionRuleVersion> SaveAsync(string file, string baseSha256, string proposed, string reason, AuditActor actor, CancellationToken ct)
    {
        CheckName(file);
        if (actor.Type != AuditActorType.User || !actor.Roles.Contains(Security.Roles.PrivacyOfficer))
        {
            await audit.AppendAsync(new AuditRecord(actor, "retention.rules.change", AuditOutcome.Denied, "retention-file", file), ct);
            throw ValidationException.For("retention rules", "file", "Only a privacy officer changes the retention rules.");
        }

        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 10)
        {
            errors.Add("reason", "Say why the rules change (at least 10 characters): it is kept with the version.");
        }
        else if (reason.Length > 2000)
        {
            errors.Add("reason", "The reason is longer than 2,000 characters.");
        }

        ValidationException.ThrowIfAny("retention rules", errors);
        proposed = proposed.Replace("\r\n", "\n", StringComparison.Ordinal);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockAsync(connection, tx, file, ct);
        var path = PathOf(file);
        var current = await File.ReadAllTextAsync(path, ct);
        if (Sha256(current) != baseSha256)
        {
            throw ValidationException.For("retention rules", "file", $"{file} changed since you opened it (another version was saved, or the file was edited in the folder): open it again and make your change there.");
        }

        var review = Review(file, current, baseSha256, proposed);
        if (!review.Changed)
        {
            throw ValidationException.For("retention rules", "content", "Nothing changed.");
        }

        if (!review.Valid)
        {
            throw new ValidationException("retention rules", new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["content"] = review.Problems.Select(p => p.ToString()).ToArray(),
            });
        }

        await RecordFoundAsync(connection, tx, file, current, ct);
        var version = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            insert into gov.retention_rule_versions (file, version, sha256, content, source, changed_by, reason)
            values (@file, coalesce((select max(version) from gov.retention_rule_versions where file = @file), 0) + 1, @sha, @content, 'console', @by, @reason)
            returning version
            """, new { file, sha = Sha256(proposed), content = proposed, by = actor.Id, reason = reason.Trim() }, tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "retention.rules.change", AuditOutcome.Success, "retention-file", file, null,
            new Dictionary<string, object?> { ["version"] = version, ["sha256"] = Sha256(proposed), ["previous_sha256"] = baseSha256 }), ct);
        WriteWhole(path, proposed);
        await tx.CommitAsync(ct);
        audit.Committed();
        return (await HistoryAsync(file, ct)).First(v => v.Version == version);
    }

    /// <summary>One recorded version (for its YAML export), or null.</summary>
    public async Task<RetentionRuleVersion?> VersionAsync(string file, int version, CancellationToken ct) =>
        (await HistoryAsync(file, ct)).FirstOrDefault(v => v.Version == version);

    public static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    /// <summary>Records the folder's text as a version when it differs from the last one recorded (the first time, or edited outside the console).</summary>
    private async Task<bool> RecordFoundAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, string file, string content, CancellationToken ct)
    {
        var sha = Sha256(content);
        var last = await connection.QuerySingleOrDefaultAsync<(int Version, string Sha)?>(new CommandDefinition(
            "select version, sha256 from gov.retention_rule_versions where file = @file order by version desc limit 1", new { file }, tx, cancellationToken: ct));
        if (last?.Sha == sha)
        {
            return false;
        }

        var version = (last?.Version ?? 0) + 1;
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.retention_rule_versions (file, version, sha256, content, source, changed_by, reason)
            values (@file, @version, @sha, @content, 'files', 'system:files', @reason)
            """, new
        {
            file,
            version,
            sha,
            content,
            reason = last is null ? "The file as the console first read it." : "Changed in the folder, not on this page (see the repository's history for who and why).",
        }, tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, new AuditRecord(AuditActor.System("files"), "retention.rules.found", AuditOutcome.Success, "retention-file", file, null,
            new Dictionary<string, object?> { ["version"] = version, ["sha256"] = sha }), ct);
        return true;
    }

    /// <summary>One writer per file at a time, across processes.</summary>
    private static Task LockAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, string file, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(hashtextextended('retention-file:' || @file, 0))", new { file }, tx, cancellationToken: ct));

    /// <summary>Writes beside the file, then moves it over: a reader sees the old text or the new, never half of one.</summary>
    private static void WriteWhole(string path, string content)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, content, new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing was written over the file; a stray temporary file is all that can be left.
            }

            throw ValidationException.For("retention rules", "file",
                "The retention folder cannot be written on this machine (read-only, or not the console's): nothing was saved. Export the YAML and commit it to the folder instead.");
        }
    }

    private string PathOf(string file)
    {
        CheckName(file);
        var path = Path.Combine(catalog.Directory, file);
        return File.Exists(path) ? path : throw ValidationException.For("retention rules", "file", $"There is no retention file {file}.");
    }

    private static void CheckName(string file)
    {
        if (!FileName().IsMatch(file))
        {
            throw ValidationException.For("retention rules", "file", "A retention file's name is lower-case letters, digits, '-' and '_', ending in .yaml.");
        }
    }

    private List<string> Regions() => stores.All.Select(s => s.Region).Distinct(StringComparer.Ordinal).ToList();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*\\.ya?ml$")]
    private static partial Regex FileName();
}
