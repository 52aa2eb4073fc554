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
        return app;
    }
}
