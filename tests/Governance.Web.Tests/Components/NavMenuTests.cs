using System.Security.Claims;
using Bunit;
using Governance.Core.Security;
using Governance.Web.Authentication;
using Governance.Web.Components.Layout;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;
using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Components;

/// <summary>The navigation, rendered with the real policies: each role sees exactly the areas it may open.</summary>
public sealed class NavMenuTests : IDisposable
{
    private readonly BunitContext _context = PolicyContext.Create();

    public void Dispose() => _context.Dispose();

    private IRenderedComponent<NavMenu> RenderAs(params string[] roles)
    {
        PolicyContext.SignIn(_context, "someone", roles);
        return _context.Render<NavMenu>();
    }

    [Theory]
    [InlineData(Roles.PrivacyOfficer)]
    [InlineData(Roles.Legal)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.Admin)]
    public void Render_ForRole_ShowsExactlyTheAreasOfItsPolicies(string role)
    {
        var nav = RenderAs(role);

        var shown = nav.FindAll("fluent-anchor, a").Select(a => a.GetAttribute("href")).Where(h => h is not null).ToHashSet();
        foreach (var (path, _, roles) in Authentication.AccessMatrixTests.Areas)
        {
            var allowed = Authentication.AccessMatrixTests.RolesOf(roles).Contains(role);
            Assert.True(allowed == shown.Contains(path), $"{role}: link {path} shown={shown.Contains(path)}, allowed={allowed}");
        }
    }

    [Fact]
    public void Render_Auditor_SeesAuditButNotRequestsOrJobs()
    {
        var markup = RenderAs(Roles.Auditor).Markup;

        Assert.Contains("Audit log", markup, StringComparison.Ordinal);
        Assert.DoesNotContain("Requests", markup, StringComparison.Ordinal);
        Assert.DoesNotContain("Jobs", markup, StringComparison.Ordinal);
    }
}

public sealed class LoginPageTests : IDisposable
{
    private readonly BunitContext _context = new();

    public LoginPageTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddLocalization();
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public void Render_LocalMode_ShowsTheFormAndTheErrorOfTheQuery()
    {
        _context.Services.AddSingleton(new SignInOptions { Mode = SignInMode.Local });
        _context.Services.AddSingleton<Microsoft.AspNetCore.Components.Forms.AntiforgeryStateProvider>(new FakeAntiforgery());
        var nav = _context.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        nav.NavigateTo("/account/login?error=wait&seconds=12");

        var page = _context.Render<Governance.Web.Components.Pages.Account.Login>();

        Assert.NotNull(page.Find("form[action='/account/login'] input[name=password][type=password]"));
        Assert.Contains("Wait 12 seconds", page.Find("[data-testid=login-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_InChinese_IsChinese_WithTheLanguagesOfferedInTheirOwnNames()
    {
        _context.Services.AddSingleton(new SignInOptions { Mode = SignInMode.Local });
        _context.Services.AddSingleton<Microsoft.AspNetCore.Components.Forms.AntiforgeryStateProvider>(new FakeAntiforgery());
        _context.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/account/login?error=wait&seconds=12");
        var before = System.Globalization.CultureInfo.CurrentUICulture;
        try
        {
            System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.GetCultureInfo("zh-CN");

            var page = _context.Render<Governance.Web.Components.Pages.Account.Login>();

            Assert.Equal("登录", page.Find("form[action='/account/login'] button[type=submit]").TextContent.Trim());
            Assert.Contains("等待 12 秒", page.Find("[data-testid=login-error]").TextContent, StringComparison.Ordinal);
            var languages = page.FindAll("[data-testid=language-picker] button").Select(b => (b.GetAttribute("value"), b.TextContent.Trim(), b.GetAttribute("aria-pressed"))).ToList();
            Assert.Equal([("en", "English", "false"), ("zh-CN", "简体中文", "true")], languages);
            Assert.Equal("/account/login?error=wait&seconds=12", page.Find("[data-testid=language-picker] input[name=back]").GetAttribute("value"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void Render_OidcMode_OffersTheProviderInsteadOfAPasswordForm()
    {
        _context.Services.AddSingleton(new SignInOptions { Mode = SignInMode.Oidc });

        var page = _context.Render<Governance.Web.Components.Pages.Account.Login>();

        Assert.Empty(page.FindAll("input[type=password]"));
        Assert.StartsWith("/account/challenge", page.Find("a.button").GetAttribute("href"), StringComparison.Ordinal);
    }

    private sealed class FakeAntiforgery : Microsoft.AspNetCore.Components.Forms.AntiforgeryStateProvider
    {
        public override Microsoft.AspNetCore.Components.Forms.AntiforgeryRequestToken? GetAntiforgeryToken() => new("token-value", "__RequestVerificationToken");
    }
}
