using System.Security.Claims;
using Governance.Core.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Web.Authentication;

/// <summary>Sign-in and sign-out: a form post for local accounts, a challenge for Entra ID and OIDC.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/account").AllowAnonymous();

        group.MapPost("/login", async (
            HttpContext http,
            [FromForm] string? userName,
            [FromForm] string? password,
            [FromForm] string? returnUrl,
            SignInOptions options,
            LocalAccountService accounts,
            SignInThrottle throttle,
            ILoggerFactory loggers,
            CancellationToken ct) =>
        {
            if (options.Mode != SignInMode.Local)
            {
                return Results.BadRequest();
            }

            var back = SafeReturnUrl(returnUrl);
            if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
            {
                return Results.Redirect($"{AuthenticationSetup.LoginPath}?error=missing&returnUrl={Uri.EscapeDataString(back)}");
            }

            var address = Audit.WebAuditActor.ClientAddress(http);
            var log = loggers.CreateLogger("Governance.SignIn");
            if (throttle.WaitFor(address) is { } wait)
            {
                // Not checked, not counted against the account, not audited one by one (a flood must not flood the log).
                log.LogWarning("Sign-in refused unchecked: too many failures from one address");
                return Results.Redirect($"{AuthenticationSetup.LoginPath}?error=wait&seconds={(int)Math.Ceiling(wait.TotalSeconds)}&returnUrl={Uri.EscapeDataString(back)}");
            }

            var result = await accounts.SignInAsync(userName, password, address, ct);
            switch (result.Status)
            {
                case SignInStatus.Succeeded:
                    var account = result.Account!;
                    var identity = new ClaimsIdentity(CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role);
                    identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, $"local:{account.Id}"));
                    identity.AddClaim(new Claim(ClaimTypes.Name, account.UserName));
                    foreach (var role in account.Roles)
                    {
                        identity.AddClaim(new Claim(ClaimTypes.Role, role));
                    }

                    await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
                    throttle.Succeeded(address);
                    log.LogInformation("Local account {AccountId} signed in", account.Id);
                    return Results.LocalRedirect(back);
                default:
                    // A locked account and a wrong password get the same answer: the answer must not tell which accounts exist.
                    throttle.Failed(address);
                    log.LogWarning("Sign-in refused: {Reason}", result.Status == SignInStatus.LockedOut ? "account locked" : "wrong user name or password");
                    return Results.Redirect($"{AuthenticationSetup.LoginPath}?error=invalid&returnUrl={Uri.EscapeDataString(back)}");
            }
        });

        group.MapGet("/challenge", (string? returnUrl, SignInOptions options) =>
            options.Mode == SignInMode.Local
                ? Results.Redirect(AuthenticationSetup.LoginPath)
                : Results.Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }));

        group.MapPost("/logout", async (HttpContext http, SignInOptions options, Governance.Core.Audit.AuditLog audit, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery, CancellationToken ct) =>
        {
            // A cross-site form must not sign anyone out: the page's token is required.
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.BadRequest();
            }

            if (http.User.Identity?.IsAuthenticated == true)
            {
                await http.RequestServices.GetRequiredService<SessionCheck>().EndAsync(http.User, ct);
                await audit.AppendAsync(new Governance.Core.Audit.AuditRecord(Audit.WebAuditActor.From(http.User, http), "auth.sign-out", Governance.Core.Audit.AuditOutcome.Success), ct);
            }

            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (options.Mode != SignInMode.Local)
            {
                return Results.SignOut(new AuthenticationProperties { RedirectUri = AuthenticationSetup.LoginPath },
                    [CookieAuthenticationDefaults.AuthenticationScheme, Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectDefaults.AuthenticationScheme]);
            }

            return Results.Redirect(AuthenticationSetup.LoginPath);
        });

        return app;
    }

    /// <summary>
    /// Only a local path may follow sign-in, never another site (open redirect): the framework's local-URL rule
    /// ('/' not followed by '/' or a backslash), and no control characters or spaces anywhere (a tab or newline
    /// after the first '/' is dropped by browsers, which then read '//evil.example').
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.Length <= 2_000
            && !returnUrl.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            && IsLocal(returnUrl) && !returnUrl.StartsWith("/account/", StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/";

    private static bool IsLocal(string url) =>
        url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
