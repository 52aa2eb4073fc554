using Governance.Core.Retention;
using Governance.Core.Validation;
using Governance.Web.Authentication;

namespace Governance.Web.Retention;

public static class RetentionEndpoints
{
    /// <summary>
    /// <c>GET /retention/files/{file}</c>: a retention file's YAML as it stands in the folder, or one of its recorded
    /// versions (<c>?version=N</c>), to commit where the files are reviewed. Rules hold no personal data.
    /// </summary>
    public static IEndpointRouteBuilder MapRetentionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/retention/files/{file}", async (string file, int? version, RetentionRuleEditor editor, CancellationToken ct) =>
        {
            try
            {
                var content = version is { } v
                    ? (await editor.VersionAsync(file, v, ct))?.Content
                    : (await editor.OpenAsync(file, ct)).Content;
                if (content is null)
                {
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such version", detail: $"{file} has no version {version}.");
                }

                var name = version is { } n ? $"{Path.GetFileNameWithoutExtension(file)}.v{n}{Path.GetExtension(file)}" : file;
                return Results.File(System.Text.Encoding.UTF8.GetBytes(content), "application/yaml; charset=utf-8", name);
            }
            catch (ValidationException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such retention file", detail: ex.Messages());
            }
        }).RequireAuthorization(GovernancePolicies.Retention);

        // The archive of an archive-then-delete run: the deleted rows themselves, so a privacy officer only, through a
        // link signed for them, every download audited.
        app.MapGet("/retention/runs/{id:guid}/archive.jsonl", async (Guid id, HttpContext http, RetentionArchive archive, Governance.Core.Audit.AuditLog audit,
            Security.DownloadLinks links, CancellationToken ct) =>
        {
            if (!links.IsValid(http))
            {
                return Security.DownloadLinks.Refused();
            }

            var actor = Governance.Web.Audit.WebAuditActor.From(http.User, http);
            if (!actor.Roles.Contains(Governance.Core.Security.Roles.PrivacyOfficer))
            {
                await audit.AppendAsync(new Governance.Core.Audit.AuditRecord(actor, "retention.archive.download", Governance.Core.Audit.AuditOutcome.Denied, "retention-run", id.ToString("D")), ct);
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed", detail: "Only a privacy officer downloads what a retention run archived.");
            }

            var size = await archive.SizeAsync(id, ct);
            if (size is null)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No archive", detail: "This run archived nothing.");
            }

            await audit.AppendAsync(new Governance.Core.Audit.AuditRecord(actor, "retention.archive.download", Governance.Core.Audit.AuditOutcome.Success, "retention-run", id.ToString("D"),
                null, new Dictionary<string, object?> { ["rows"] = size.Value.Rows }), ct);
            // Streamed, decrypted file by file: an archive of millions of rows never sits in memory.
            return Results.Stream(output => archive.CopyAsync(id, output, ct), "application/x-ndjson", $"retention-archive-{id:N}.jsonl");
        }).RequireAuthorization(GovernancePolicies.Retention);
        return app;
    }
}
