using Governance.Core.Audit;
using Microsoft.AspNetCore.Components.Authorization;

namespace Governance.Web.Audit;

/// <summary>The audit actor of whoever uses the page (in a Blazor circuit as in a plain request).</summary>
public sealed class CurrentActor(AuthenticationStateProvider authentication, IHttpContextAccessor http)
{
    public async Task<AuditActor> GetAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return WebAuditActor.From(state.User, http.HttpContext);
    }
}
