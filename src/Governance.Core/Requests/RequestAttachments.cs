using System.Security.Cryptography;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Validation;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Governance.Core.Requests;

public sealed record AttachmentContent(string FileName, string ContentType, byte[] Content);

/// <summary>
/// Correspondence and evidence kept with a request (letters, e-mails, a signed agent permission, an identity
/// document check). Content is encrypted with the console's data-protection keys (AES-256-CBC + HMACSHA256,
/// rotated keys) before it is stored; the SHA-256 of the original is kept to prove a copy unchanged. Uploads and
/// every download are audited.
/// </summary>
public sealed class RequestAttachments(GovernanceDatabase database, AuditLog audit, IDataProtectionProvider protection, IOptions<RequestOptions> options, TimeProvider time)
{
    public static readonly string[] Kinds = ["correspondence", "identity-evidence", "agent-permission", "response-letter", "other"];

    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".pdf"] = "application/pdf",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".txt"] = "text/plain",
        [".eml"] = "message/rfc822",
        [".msg"] = "application/vnd.ms-outlook",
    };

    public long MaxBytes => options.Value.AttachmentMaxBytes;

    private IDataProtector Protector => protection.CreateProtector("Governance.Requests.Attachments.v1");

    /// <summary>Stores a file with the request. The name is checked (no folders, known extension); the content type follows the extension, not the browser.</summary>
    public async Task<Guid> AddAsync(Guid requestId, string kind, string fileName, byte[] content, AuditActor actor, CancellationToken ct)
    {
        if (!Kinds.Contains(kind))
        {
            throw ValidationException.For("attachment", "kind", $"Use one of {string.Join(", ", Kinds)}.");
        }

        var name = Path.GetFileName(fileName ?? "");
        if (string.IsNullOrWhiteSpace(name) || name != fileName || name.Length > 200 || name.Any(char.IsControl))
        {
            throw ValidationException.For("attachment", "file", "Give a plain file name (no folders, at most 200 characters).");
        }

        if (!Types.TryGetValue(Path.GetExtension(name), out var contentType))
        {
            throw ValidationException.For("attachment", "file", $"Accepted are {string.Join(", ", Types.Keys)}.");
        }

        if (content.Length == 0 || content.Length > options.Value.AttachmentMaxBytes)
        {
            throw ValidationException.For("attachment", "file", $"Must hold between 1 byte and {options.Value.AttachmentMaxBytes:N0} bytes.");
        }

        var id = Guid.CreateVersion7(time.GetUtcNow());
        var protectedContent = Protector.Protect(content);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var state = await RequestWork.MustExistAsync(connection, tx, requestId, ct);
        await RequestWork.RecordAsync(connection, tx, requestId, state, "Attachment", $"{kind} attached ({content.Length:N0} bytes)", actor, time.GetUtcNow(), ct);

        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.request_attachments (id, request_id, uploaded_at, uploaded_by, kind, file_name, content_type, size_bytes, sha256, protected)
            values (@id, @requestId, @at, @by, @kind, @name, @contentType, @size, @hash, @protectedContent)
            """, new { id, requestId, at = time.GetUtcNow(), by = actor.Id, kind, name, contentType, size = (long)content.Length, hash = SHA256.HashData(content), protectedContent },
            tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.attachment.add", AuditOutcome.Success, "attachment", id.ToString("D"), requestId.ToString("D"),
            new Dictionary<string, object?> { ["kind"] = kind, ["bytes"] = content.Length }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return id;
    }

    /// <summary>Decrypts an attachment for download; the download is audited first, and a copy whose hash does not match is refused.</summary>
    public async Task<AttachmentContent?> OpenAsync(Guid requestId, Guid attachmentId, AuditActor actor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(string Name, string Type, byte[] Hash, byte[] Protected)?>(new CommandDefinition(
            "select file_name, content_type, sha256, protected from gov.request_attachments where id = @attachmentId and request_id = @requestId",
            new { attachmentId, requestId }, cancellationToken: ct));
        if (row is not { } r)
        {
            return null;
        }

        var content = Protector.Unprotect(r.Protected);
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(r.Hash))
        {
            throw new CryptographicException("The attachment does not match its recorded hash.");
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.attachment.download", AuditOutcome.Success, "attachment", attachmentId.ToString("D"), requestId.ToString("D")), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return new AttachmentContent(r.Name, r.Type, content);
    }
}
