using Governance.Core.Audit;

namespace Governance.Web.Security;

/// <summary>
/// Every action sent to the job dashboard (a POST under <c>/jobs</c>, but for its statistics poll) is audited as
/// <c>jobs.dashboard-action</c> with the command and the answer: allowed, refused (read-only) or failed.
/// </summary>
public static class JobsDashboardAudit
{
    public static bool IsAction(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && context.Request.Path.StartsWithSegments("/jobs", out var rest)
        && !rest.StartsWithSegments("/stats");

    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        await next(context);
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return;
        }

        context.Request.Path.StartsWithSegments("/jobs", out var rest);
        // "/recurring/trigger" becomes "recurring.trigger": a code, never a job's arguments.
        var command = string.Join('.', (rest.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries).Take(3));
        var outcome = context.Response.StatusCode switch
        {
            < 300 => AuditOutcome.Success,
            401 or 403 => AuditOutcome.Denied,
            _ => AuditOutcome.Failure,
        };
        await context.RequestServices.GetRequiredService<AuditLog>().AppendAsync(new AuditRecord(
            Audit.WebAuditActor.From(context.User, context), "jobs.dashboard-action", outcome, "job-dashboard",
            AuditRecord.IsIdentifier(command) ? command : "other",
            Details: new Dictionary<string, object?> { ["status"] = context.Response.StatusCode }), context.RequestAborted);
    }
}
