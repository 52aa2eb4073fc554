using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Governance.Web.Requests;
using Microsoft.Identity.Web;

namespace Governance.Web.Authentication;

public static class AuthenticationSetup
{
    public const string LoginPath = "/account/login";

    /// <summary>Registers the sign-in mode chosen in <c>Authentication:Mode</c>, the cookie, and the authorization policies.</summary>
    public static IServiceCollection AddGovernanceAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(SignInOptions.Section).Get<SignInOptions>() ?? new SignInOptions();
        // Outside Development the cookie is always Secure (but for a browser on the same machine).
        var secure = !environment.IsDevelopment();
        services.AddSingleton(options);

        switch (options.Mode)
        {
            case SignInMode.AzureAd:
                var entra = services.AddAuthentication(OpenIdConnectDefaults.AuthenticationScheme);
                entra.AddApiOAuth(configuration);
                entra.AddMicrosoftIdentityWebApp(
                        o =>
                        {
                            configuration.Bind("Authentication:AzureAd", o);
                            o.TokenValidationParameters.RoleClaimType = "roles";
                        },
                        cookie => ConfigureCookie(cookie, options, secure));
                break;
            case SignInMode.Oidc:
                RequireOidc(options.Oidc);
                services.AddAuthentication(o =>
                    {
                        o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                        o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
                    })
                    .AddCookie(cookie => ConfigureCookie(cookie, options, secure))
                    .AddOpenIdConnect(o => ConfigureOidc(o, options.Oidc))
                    .AddApiOAuth(configuration);
                break;
            default:
                services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
                    .AddCookie(cookie => ConfigureCookie(cookie, options, secure))
                    .AddApiOAuth(configuration);
                break;
        }

        services.AddAuthorization(GovernancePolicies.Add);
        services.AddCascadingAuthenticationState();
        services.AddMemoryCache();
        services.AddSingleton<SessionCheck>();
        services.AddSingleton<SignInThrottle>();
        return services;
    }

    private static void ConfigureCookie(CookieAuthenticationOptions cookie, SignInOptions options, bool requireSecure)
    {
        cookie.Cookie = new Security.SignInCookie(requireSecure)
        {
            Name = "gov.auth",
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            SecurePolicy = CookieSecurePolicy.SameAsRequest,
        };
        cookie.ExpireTimeSpan = TimeSpan.FromMinutes(options.SessionMinutes);
        cookie.SlidingExpiration = true;
        cookie.LoginPath = LoginPath;
        cookie.Events.OnSigningIn = ctx => ctx.Principal is { } principal
            ? ctx.HttpContext.RequestServices.GetRequiredService<SessionCheck>().StartAsync(principal, ctx.HttpContext.RequestAborted)
            : Task.CompletedTask;
        cookie.Events.OnValidatePrincipal = SessionCheck.ValidatePrincipalAsync;
        cookie.Events.OnSignedIn = async ctx =>
        {
            // Every sign-in refreshes the staff directory (who can be assigned requests and where notices go).
            if (ctx.Principal is not { } user)
            {
                return;
            }

            var actor = Audit.WebAuditActor.From(user, ctx.HttpContext);
            var email = user.FindFirstValue(ClaimTypes.Email) ?? user.FindFirstValue("email") ?? user.FindFirstValue("preferred_username");
            await ctx.HttpContext.RequestServices.GetRequiredService<Governance.Core.Requests.StaffDirectory>()
                .SeenAsync(actor.Id, user.Identity?.Name ?? user.FindFirstValue("name") ?? actor.Id, email, actor.Roles.ToList(), ctx.HttpContext.RequestAborted,
                    System.Globalization.CultureInfo.CurrentUICulture.Name); // the language of the sign-in page, kept unless one was chosen before
        };
        cookie.Events.OnRedirectToLogin = ctx =>
        {
            // APIs answer 401; pages go to the sign-in page.
            if (ctx.Request.Path.StartsWithSegments("/api"))
            {
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
            }
            else
            {
                ctx.Response.Redirect(ctx.RedirectUri);
            }

            return Task.CompletedTask;
        };
        cookie.Events.OnRedirectToAccessDenied = async ctx =>
        {
            // A signed-in user without the role gets a plain 403, on pages as on APIs.
            ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
            if (!ctx.Request.Path.StartsWithSegments("/api"))
            {
                // The console's own page, in its layout with the menu (static rendering, no circuit).
                var path = ctx.Request.Path.Value ?? "/";
                await new Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<Governance.Web.Components.Pages.Account.NotAllowed>(new { Path = path })
                {
                    StatusCode = StatusCodes.Status403Forbidden,
                }.ExecuteAsync(ctx.HttpContext);
            }
        };
    }

    private static void RequireOidc(OidcSettings oidc)
    {
        if (string.IsNullOrWhiteSpace(oidc.Authority) || string.IsNullOrWhiteSpace(oidc.ClientId))
        {
            throw new InvalidOperationException("Authentication:Mode is Oidc but Authentication:Oidc:Authority or :ClientId is empty: set both.");
        }
    }

    private static void ConfigureOidc(OpenIdConnectOptions o, OidcSettings oidc)
    {
        o.Authority = oidc.Authority;
        o.ClientId = oidc.ClientId;
        o.ClientSecret = string.IsNullOrEmpty(oidc.ClientSecret) ? null : oidc.ClientSecret;
        o.ResponseType = "code";
        o.UsePkce = true;
        o.SaveTokens = false;
        o.MapInboundClaims = false;
        o.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
        o.GetClaimsFromUserInfoEndpoint = true;
        o.Scope.Clear();
        foreach (var scope in oidc.Scopes)
        {
            o.Scope.Add(scope);
        }

        // Providers that follow the standard strictly release profile claims only at the userinfo endpoint: the name
        // and the claim holding the roles (its root, for a dotted path) are read from there too.
        o.ClaimActions.MapUniqueJsonKey(oidc.NameClaim, oidc.NameClaim);
        var roleRoot = oidc.RoleClaim.Split('.')[0];
        o.ClaimActions.MapCustomJson(roleRoot, user => user.TryGetProperty(roleRoot, out var value) ? value.GetRawText() : null);

        // Signing out ends the session at the provider too. Without a stored ID token the provider must be told which
        // client asks, or it refuses the address to come back to.
        o.Events.OnRedirectToIdentityProviderForSignOut = ctx =>
        {
            ctx.ProtocolMessage.ClientId = oidc.ClientId;
            return Task.CompletedTask;
        };

        o.TokenValidationParameters.NameClaimType = oidc.NameClaim;
        o.TokenValidationParameters.RoleClaimType = ClaimTypes.Role;
        // Roles are read once every claim is in, from the ID token and from userinfo alike.
        o.Events.OnTicketReceived = ctx =>
        {
            if (ctx.Principal?.Identity is ClaimsIdentity identity)
            {
                foreach (var role in RolesFromClaims(identity.Claims, oidc.RoleClaim).Distinct(StringComparer.Ordinal).ToList())
                {
                    identity.AddClaim(new Claim(ClaimTypes.Role, role));
                }
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// Reads role names from a claim: a plain claim (one value, or several claims of that type) or a dotted path into
    /// a JSON claim, as Keycloak sends <c>realm_access</c> = <c>{"roles": [...]}</c>.
    /// </summary>
    public static IEnumerable<string> RolesFromClaims(IEnumerable<Claim> claims, string roleClaim)
    {
        var list = claims.ToList();
        var direct = list.Where(c => c.Type == roleClaim).Select(c => c.Value).ToList();
        if (direct.Count > 0)
        {
            foreach (var value in direct)
            {
                if (value.StartsWith('['))
                {
                    foreach (var r in JsonSerializer.Deserialize<string[]>(value) ?? [])
                    {
                        yield return r;
                    }
                }
                else
                {
                    yield return value;
                }
            }

            yield break;
        }

        var dot = roleClaim.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            yield break;
        }

        var container = list.FirstOrDefault(c => c.Type == roleClaim[..dot]);
        if (container is null)
        {
            yield break;
        }

        JsonElement node;
        try
        {
            node = JsonDocument.Parse(container.Value).RootElement;
        }
        catch (JsonException)
        {
            yield break;
        }

        foreach (var part in roleClaim[(dot + 1)..].Split('.'))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node))
            {
                yield break;
            }
        }

        if (node.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in node.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String))
            {
                yield return item.GetString()!;
            }
        }
    }
}
