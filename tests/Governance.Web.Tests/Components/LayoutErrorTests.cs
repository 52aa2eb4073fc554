using System.Security.Claims;
using Bunit;
using Governance.Web.Authentication;
using Governance.Web.Components.Layout;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;

using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Components;

/// <summary>A page that fails while it loads shows a message inside the layout; the menu stays and the next page works.</summary>
public sealed class LayoutErrorTests : IDisposable
{
    private readonly BunitContext _context = PolicyContext.Create();

    public LayoutErrorTests() => PolicyContext.SignIn(_context, "officer", "PrivacyOfficer");

    public void Dispose() => _context.Dispose();

    [Fact]
    public void PageThatThrowsWhileLoading_ShowsTheErrorInTheLayout_AndNavigatingAwayRecovers()
    {
        var fails = true;
        var cut = _context.Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b =>
        {
            b.OpenComponent<Loading>(0);
            b.AddComponentParameter(1, nameof(Loading.Fail), fails);
            b.CloseComponent();
        })));

        cut.WaitForAssertion(() => Assert.Contains("This page could not be shown", cut.Find("[data-testid=page-error]").OuterHtml, StringComparison.Ordinal));
        Assert.NotEmpty(cut.FindAll("nav.sitenav a")); // the menu is still there
        Assert.DoesNotContain("loaded", cut.Markup, StringComparison.Ordinal);

        fails = false;
        cut.Render(); // the layout renders its body anew with the same fragment
        _context.Services.GetRequiredService<NavigationManager>().NavigateTo("/requests");

        cut.WaitForAssertion(() => Assert.Contains("loaded", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=page-error]"));
    }

    /// <summary>A page whose loading fails as a database error would.</summary>
    private sealed class Loading : ComponentBase
    {
        [Parameter]
        public bool Fail { get; set; }

        protected override async Task OnInitializedAsync()
        {
            await Task.Yield();
            if (Fail)
            {
                throw new TimeoutException("the database did not answer");
            }
        }

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder) => builder.AddContent(0, "loaded");
    }
}
