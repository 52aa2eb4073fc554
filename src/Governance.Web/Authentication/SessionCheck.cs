using System.Security.Claims;
using Governance.Core.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Caching.Memory;

namespace Governance.Web.Authentication;

/// <summary>
/// Ties every sign-in cookie to a server-side session (<see cref="SignInSessions"/>): the cookie carries the
/// session's id, each request and each open page checks it (an answer is remembered for
/// <c>Authentication:SessionCheckSeconds</c> at most), and a session ended by sign-out, a disabled account or a
/// change of roles stops both.
/// </summary>
public sealed class SessionCheck(SignInSessions sessions, IMemoryCache cache, SignInOptions options)
{
    public const string Claim = "gov:session";

    /// <summary>Starts a session for a principal being signed in and adds its id to the principal.</summary>
    public async Task StartAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (principal.Identity is not ClaimsIdentity identity || identity.HasClaim(c => c.Type == Claim))
        {
            return;
        }

        var actor = Audit.WebAuditActor.From(principal, null).Id;
        var id = await sessions.StartAsync(actor, TimeSpan.FromHours(options.MaxSessionHours), ct);
        identity.AddClaim(new Claim(Claim, id.ToString("D")));
    }

    public async Task<bool> IsActiveAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (principal.Identity?.IsAuthenticated != true || !Guid.TryParse(principal.FindFirstValue(Claim), out var id))
        {
            return false;
        }

        if (options.SessionCheckSeconds > 0 && cache.TryGetValue((Claim, id), out bool known))
        {
            return known;
        }

        var active = await sessions.IsActiveAsync(id, Audit.WebAuditActor.From(principal, null).Id, ct);
        if (options.SessionCheckSeconds > 0)
        {
            cache.Set((Claim, id), active, TimeSpan.FromSeconds(options.SessionCheckSeconds));
        }

        return active;
    }

    /// <summary>Ends the principal's session (sign-out); this process forgets its remembered answer at once.</summary>
    public async Task EndAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (Guid.TryParse(principal.FindFirstValue(Claim), out var id))
        {
            await sessions.EndAsync(id, SessionEnd.SignOut, ct);
            cache.Remove((Claim, id));
        }
    }

    /// <summary>The cookie handler's check of every request: an inactive session signs the cookie out.</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var check = context.HttpContext.RequestServices.GetRequiredService<SessionCheck>();
        if (context.Principal is null || !await check.IsActiveAsync(context.Principal, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}

/// <summary>
/// Open pages (Blazor circuits) check their sign-in's session every few seconds: once it has ended, the page loses
/// its roles and shows the sign-in page, as a new request would.
/// </summary>
public sealed class SessionRevalidatingStateProvider(ILoggerFactory loggers, IServiceScopeFactory scopes, SignInOptions options)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(Math.Max(1, options.PageCheckSeconds));

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SessionCheck>().IsActiveAsync(state.User, ct);
    }
}
