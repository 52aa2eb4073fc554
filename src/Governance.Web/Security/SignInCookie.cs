using System.Net;
using Microsoft.AspNetCore.Authentication;

namespace Governance.Web.Security;

/// <summary>
/// The sign-in cookie is <c>Secure</c> whenever the request came over HTTPS (directly or through a known proxy) and,
/// outside Development, also when it did not: a plain-HTTP deployment then fails to sign in rather than sending the
/// cookie in clear. The one exception is a browser on the same machine (loopback), so that a local trial over
/// <c>http://127.0.0.1</c> works.
/// </summary>
public sealed class SignInCookie(bool requireSecure) : RequestPathBaseCookieBuilder
{
    public override CookieOptions Build(HttpContext context, DateTimeOffset expiresFrom)
    {
        var options = base.Build(context, expiresFrom);
        options.Secure = context.Request.IsHttps || (requireSecure && !IsLoopback(context.Connection.RemoteIpAddress));
        return options;
    }

    /// <summary>No address is an in-process host (tests); a real connection has one.</summary>
    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address);
}
