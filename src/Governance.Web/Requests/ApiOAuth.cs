using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Governance.Web.Requests;

/// <summary>
/// The <c>Api:OAuth</c> section: intake clients may authenticate with an OAuth 2.0 access token obtained by the
/// client-credentials grant from the organisation's authorization server (Entra ID, Keycloak, ...) instead of an
/// API key. An empty Authority turns it off.
/// </summary>
public sealed class ApiOAuthOptions
{
    public const string Section = "Api:OAuth";
    public const string Scheme = "ApiBearer";

    /// <summary>Issuer whose discovery document and signing keys are trusted (e.g. https://keycloak.example.internal/realms/corp).</summary>
    public string Authority { get; set; } = "";

    /// <summary>The audience the tokens must be issued for.</summary>
    public string Audience { get; set; } = "governance-api";

    /// <summary>The scope (in "scope" or "scp") or app role (in "roles") a token must carry to submit requests.</summary>
    public string RequiredScope { get; set; } = "requests.submit";

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>How far a token's lifetime may be off the console's clock, in seconds (0 with clocks kept by NTP).</summary>
    public int ClockSkewSeconds { get; set; } = 60;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

public static class ApiOAuth
{
    /// <summary>Adds the bearer scheme for the intake API when <c>Api:OAuth:Authority</c> is set (it is never the default scheme).</summary>
    public static void AddApiOAuth(this AuthenticationBuilder builder, IConfiguration configuration)
    {
        var options = configuration.GetSection(ApiOAuthOptions.Section).Get<ApiOAuthOptions>() ?? new ApiOAuthOptions();
        if (!options.Enabled)
        {
            return;
        }

        builder.AddJwtBearer(ApiOAuthOptions.Scheme, o =>
        {
            o.Authority = options.Authority;
            o.Audience = options.Audience;
            o.RequireHttpsMetadata = options.RequireHttpsMetadata;
            o.MapInboundClaims = false;
            o.TokenValidationParameters.ValidateLifetime = true;
            o.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(Math.Clamp(options.ClockSkewSeconds, 0, 600));
        });
    }

    /// <summary>The client id of a valid token that carries the required scope, or why not.</summary>
    public static async Task<(string? ClientId, string? Problem)> AuthenticateAsync(HttpContext http, ApiOAuthOptions options)
    {
        if (!options.Enabled)
        {
            return (null, "OAuth is not configured for this console; use an API key.");
        }

        var result = await http.AuthenticateAsync(ApiOAuthOptions.Scheme);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            return (null, "The bearer token is not valid (issuer, audience, signature or lifetime).");
        }

        var scopes = (principal.FindFirstValue("scope") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Concat(principal.FindAll("scp").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Concat(principal.FindAll("roles").Select(c => c.Value));
        if (!scopes.Contains(options.RequiredScope, StringComparer.Ordinal))
        {
            return (null, $"The token lacks the scope '{options.RequiredScope}'.");
        }

        var clientId = principal.FindFirstValue("azp") ?? principal.FindFirstValue("client_id") ?? principal.FindFirstValue("appid");
        return clientId is null || !Governance.Core.Audit.AuditRecord.IsIdentifier(clientId, 90)
            ? (null, "The token names no usable client (azp, client_id or appid).")
            : (clientId, null);
    }
}
