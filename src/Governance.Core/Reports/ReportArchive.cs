using System.Security.Cryptography;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;

namespace Governance.Core.Reports;

/// <summary>The kinds of report the console generates.</summary>
public static class ReportKinds
{
    public const string Requests = "requests";
    public const string Audit = "audit";
    public const string Ropa = "ropa";

    /// <summary>A certificate of erasure: of one request, generated from its page once the erasure is complete.</summary>
    public const string Erasure = "erasure";

    /// <summary>The retention execution report: rules in force, runs, counts, exceptions and approvals for a period.</summary>
    public const string Retention = "retention";

    public static readonly IReadOnlyList<string> All = [Requests, Audit, Ropa, Erasure, Retention];
}

/// <summary>A stored report, without its bytes.</summary>
public sealed record StoredReport(
    Guid Id,
    string Kind,
    string Language,
    string Title,
    DateOnly? PeriodFrom,
    DateOnly? PeriodTo,
    int Pages,
    int SizeBytes,
    string Sha256,
    DateTimeOffset GeneratedAt,
    string GeneratedBy);

/// <summary>
/// Generated reports kept in the governance database with their SHA-256: adding one and downloading one are audited
/// (<c>report.generate</c>, <c>report.download</c>); none is ever changed or removed.
/// </summary>
public sealed class ReportArchive(GovernanceDatabase database, AuditLog audit)
{
    public async Task SaveAsync(StoredReport report, byte[] content, IReadOnlyDictionary<string, object?> parameters, AuditActor actor, CancellationToken ct)
    {
        if (!ReportKinds.All.Contains(report.Kind))
        {
            throw new ArgumentException($"Unknown report kind '{report.Kind}'.", nameof(report));
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        if (sha != report.Sha256 || content.Length != report.SizeBytes)
        {
            throw new InvalidOperationException("The report's bytes do not match its recorded hash and size.");
        }

        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.reports (id, kind, language, title, period_from, period_to, parameters, pages, size_bytes, sha256, content, generated_at, generated_by)
            values (@Id, @Kind, @Language, @Title, @PeriodFrom, @PeriodTo, @parameters::jsonb, @Pages, @SizeBytes, @Sha256, @content, @GeneratedAt, @GeneratedBy)
            """, new
        {
            report.Id,
            report.Kind,
            report.Language,
            report.Title,
            PeriodFrom = report.PeriodFrom?.ToDateTime(TimeOnly.MinValue),
            PeriodTo = report.PeriodTo?.ToDateTime(TimeOnly.MinValue),
            parameters = System.Text.Json.JsonSerializer.Serialize(parameters),
            report.Pages,
            report.SizeBytes,
            report.Sha256,
            content,
            report.GeneratedAt,
            report.GeneratedBy,
        }, tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "report.generate", AuditOutcome.Success, "report", report.Id.ToString(), null,
            new Dictionary<string, object?>
            {
                ["kind"] = report.Kind,
                ["language"] = report.Language,
                ["pages"] = report.Pages,
                ["sha256"] = report.Sha256,
                ["from"] = report.PeriodFrom?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ["to"] = report.PeriodTo?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }

    /// <summary>The latest reports, newest first; <see cref="StoredReport.GeneratedBy"/> is the person's name where the staff directory knows it.</summary>
    public Task<IReadOnlyList<StoredReport>> ListAsync(int limit, CancellationToken ct) =>
        ListWhereAsync("true", new { limit = Math.Clamp(limit, 1, 500) }, ct);

    /// <summary>The certificates of erasure of one request, newest first.</summary>
    public Task<IReadOnlyList<StoredReport>> CertificatesAsync(Guid requestId, CancellationToken ct) =>
        ListWhereAsync("r.kind = 'erasure' and r.parameters->>'request' = @id", new { id = requestId.ToString("D"), limit = 500 }, ct);

    private async Task<IReadOnlyList<StoredReport>> ListWhereAsync(string where, object parameters, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(Guid, string, string, string, DateTime?, DateTime?, int, int, string, DateTime, string)>(new CommandDefinition($"""
            select r.id, r.kind, r.language, r.title, r.period_from, r.period_to, r.pages, r.size_bytes, r.sha256, r.generated_at,
                   coalesce(s.display_name, r.generated_by)
            from gov.reports r left join gov.staff s on s.actor_id = r.generated_by
            where {where}
            order by r.generated_at desc, r.id desc limit @limit
            """, parameters, cancellationToken: ct));
        return rows.Select(Map).ToList();
    }

    /// <summary>A report's description (no bytes, not audited), to decide who may download it; null when there is none.</summary>
    public async Task<StoredReport?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(Guid, string, string, string, DateTime?, DateTime?, int, int, string, DateTime, string)?>(new CommandDefinition("""
            select id, kind, language, title, period_from, period_to, pages, size_bytes, sha256, generated_at, generated_by
            from gov.reports where id = @id
            """, new { id }, cancellationToken: ct));
        return row is { } r ? Map(r) : null;
    }

    /// <summary>The bytes of a report found with <see cref="FindAsync"/>, for a download; the download is audited.</summary>
    public async Task<byte[]> OpenAsync(StoredReport report, AuditActor actor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var content = await connection.ExecuteScalarAsync<byte[]>(new CommandDefinition(
            "select content from gov.reports where id = @id", new { id = report.Id }, cancellationToken: ct))
            ?? throw new InvalidOperationException("The report is gone, although reports are never removed.");
        await audit.AppendAsync(new AuditRecord(actor, "report.download", AuditOutcome.Success, "report", report.Id.ToString(), null,
            new Dictionary<string, object?> { ["kind"] = report.Kind, ["sha256"] = report.Sha256 }), ct);
        return content;
    }

    private static StoredReport Map((Guid Id, string Kind, string Language, string Title, DateTime? From, DateTime? To, int Pages, int Size, string Sha, DateTime At, string By) r) =>
        new(r.Id, r.Kind, r.Language, r.Title, r.From is { } f ? DateOnly.FromDateTime(f) : null, r.To is { } t ? DateOnly.FromDateTime(t) : null,
            r.Pages, r.Size, r.Sha, DbTime.Utc(r.At), r.By);
}
