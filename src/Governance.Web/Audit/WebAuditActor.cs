using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Governance.Core.Audit;
using Governance.Core.Security;

namespace Governance.Web.Audit;

/// <summary>
/// The audit actor of a signed-in person: the account id (Local), the object id (Entra ID) or the subject (OIDC),
/// never a name or an e-mail; the roles held; and the client address when the request carries one.
/// </summary>
public static class WebAuditActor
{
    public static AuditActor From(ClaimsPrincipal user, HttpContext? http)
    {
        var address = ClientAddress(http);
        if (user.Identity?.IsAuthenticated != true)
        {
            return new AuditActor(AuditActorType.User, "anonymous", [], address);
        }

        var roles = Roles.All.Where(user.IsInRole).ToList();
        return new AuditActor(AuditActorType.User, ActorId(user), roles, address);
    }

    /// <summary>The caller's IP address as people write it (IPv4 rather than its IPv6-mapped form), when the request has one.</summary>
    public static string? ClientAddress(HttpContext? http) =>
        http?.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : null;

    private static string ActorId(ClaimsPrincipal user)
    {
        var local = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (local is not null && local.StartsWith("local:", StringComparison.Ordinal))
        {
            return local;
        }

        var oid = user.FindFirstValue("http://schemas.microsoft.com/identity/claims/objectidentifier") ?? user.FindFirstValue("oid");
        var (prefix, value) = oid is not null ? ("entra", oid) : ("oidc", user.FindFirstValue("sub") ?? local ?? "unknown");
        var id = $"{prefix}:{value}";
        // A provider's subject that is not a plain id is recorded as its hash, so that no personal data enters the log.
        return AuditRecord.IsIdentifier(id) ? id : $"{prefix}:sha256-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..32]}";
    }
}
