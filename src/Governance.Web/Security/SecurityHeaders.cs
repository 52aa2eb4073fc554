namespace Governance.Web.Security;

/// <summary>
/// Headers on every answer: no page of the console (the job dashboard included) may be framed by another site,
/// content types are not sniffed, and addresses do not leak to other sites through the referrer.
/// </summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseGovernanceSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers["Content-Security-Policy"] = "frame-ancestors 'none'";
                headers["X-Frame-Options"] = "DENY";
                headers["X-Content-Type-Options"] = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            return next(context);
        });
}
