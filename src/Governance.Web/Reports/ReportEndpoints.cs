using Governance.Core.Reports;
using Governance.Web.Audit;
using Governance.Web.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Governance.Web.Reports;

/// <summary>Which policy opens which kind of report: the audit extract is the audit log's, the others the Reports page's.</summary>
public static class ReportPolicies
{
    public static string For(string kind) => kind == ReportKinds.Audit ? GovernancePolicies.AuditLog : GovernancePolicies.Reports;
}

public static class ReportEndpoints
{
    /// <summary>
    /// <c>GET /reports/{id}.pdf</c>: a stored report, through a link the Reports page signed for the person, to the
    /// roles its kind allows; every download is audited (<c>report.download</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/reports/{id:guid}.pdf", async (Guid id, HttpContext http, ReportArchive archive, IAuthorizationService authorization, Security.DownloadLinks links, CancellationToken ct) =>
        {
            if (!links.IsValid(http))
            {
                return Security.DownloadLinks.Refused();
            }

            if (await archive.FindAsync(id, ct) is not { } found)
            {
                return Results.NotFound();
            }

            if (!(await authorization.AuthorizeAsync(http.User, ReportPolicies.For(found.Kind))).Succeeded)
            {
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed", detail: "Your role does not give access to this report.");
            }

            var content = await archive.OpenAsync(found, WebAuditActor.From(http.User, http), ct);
            return Results.File(content, "application/pdf", $"{found.Kind}-{found.GeneratedAt:yyyyMMdd-HHmmss}.pdf");
        }).RequireAuthorization(GovernancePolicies.Reports);
        return app;
    }
}
