using Microsoft.AspNetCore.DataProtection;

namespace Governance.Web.Security;

/// <summary>
/// Downloads that leave a trace (the audit CSV, a request's attachment) are served only through links the console
/// signed for the person who sees them: the link carries <c>t</c>, a token bound to the person, the exact address
/// and an hour. Another site cannot make a signed-in browser fetch them (and fill the audit log) by pointing at the
/// address, and a link passed to someone else does not work for them.
/// </summary>
public sealed class DownloadLinks(IDataProtectionProvider provider)
{
    public const string Parameter = "t";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("Governance.DownloadLinks.v1").ToTimeLimitedDataProtector();

    /// <summary>The address with a token for <paramref name="actorId"/> appended as its last query parameter.</summary>
    public string Sign(string actorId, string pathAndQuery) =>
        $"{pathAndQuery}{(pathAndQuery.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{Parameter}={Uri.EscapeDataString(_protector.Protect(actorId + "\n" + pathAndQuery, Lifetime))}";

    /// <summary>True when the request's own address carries a live token for the signed-in person.</summary>
    public bool IsValid(HttpContext http)
    {
        var token = http.Request.Query[Parameter].ToString();
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        string payload;
        try
        {
            payload = _protector.Unprotect(token);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }

        var actor = Audit.WebAuditActor.From(http.User, http).Id;
        return payload == actor + "\n" + WithoutToken(http.Request.Path + http.Request.QueryString.Value);
    }

    /// <summary>The address as it was signed: the token is always the last parameter.</summary>
    private static string WithoutToken(string pathAndQuery)
    {
        var at = pathAndQuery.LastIndexOf($"{Parameter}=", StringComparison.Ordinal);
        return at > 0 && pathAndQuery[at - 1] is '?' or '&' ? pathAndQuery[..(at - 1)] : pathAndQuery;
    }

    public static IResult Refused() => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Link not valid",
        detail: "This download link is not yours or has expired: open it again from the console's page.");
}
