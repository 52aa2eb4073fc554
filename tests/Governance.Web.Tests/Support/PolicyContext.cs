using System.Security.Claims;
using Bunit;
using Governance.Web.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Governance.Web.Tests.Support;

/// <summary>A bunit context with Fluent UI and the console's real authorization policies, signed in with the given roles.</summary>
public static class PolicyContext
{
    public static BunitContext Create()
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddFluentUIComponents();
        context.Services.AddLocalization();
        // bunit registers placeholders for authorization; take them out so that the real policies are evaluated.
        foreach (var placeholder in context.Services.Where(d => d.ServiceType.Namespace == "Microsoft.AspNetCore.Authorization").ToList())
        {
            context.Services.Remove(placeholder);
        }

        context.Services.AddAuthorizationCore(GovernancePolicies.Add);
        return context;
    }

    public static void SignIn(BunitContext context, string name, params string[] roles)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "test");
        context.Services.AddSingleton<AuthenticationStateProvider>(new FixedState(new ClaimsPrincipal(identity)));
        context.Services.AddCascadingAuthenticationState();
    }

    private sealed class FixedState(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
