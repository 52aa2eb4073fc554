using Bunit;
using Governance.Core.Requests;
using Governance.Core.Security;
using Governance.Web.Authentication;
using Governance.Web.Components.Pages.Settings;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Governance.Web.Tests.Components;

/// <summary>The settings page says where notices go: the SMTP server in force, and the shared mailboxes with their language.</summary>
public sealed class SettingsPageTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    private BunitContext Context(SmtpOptions smtp, params NoticeMailbox[] mailboxes) => ConsoleComponents.Create(databases, "local:4", Roles.Admin, services =>
    {
        services.AddSingleton(new SignInOptions { Mode = SignInMode.Local });
        services.AddSingleton(Options.Create(smtp));
        services.AddSingleton(Options.Create(new NotificationOptions { Mailboxes = [.. mailboxes] }));
    });

    [Fact]
    public async Task WithSmtpAndATeamMailbox_SaysWhereNoticesGo_NeverThePassword()
    {
        await using var context = Context(new SmtpOptions { Host = "mail.example.internal", Port = 587, From = "console@example.internal", Password = "not-shown-anywhere" },
            new NoticeMailbox { Address = "privacy-team@example.internal", Language = "zh-CN" });

        var page = context.Render<SettingsPage>();

        Assert.Equal("sent through mail.example.internal:587 from console@example.internal", page.Find("[data-testid=settings-smtp]").TextContent);
        Assert.Equal("privacy-team@example.internal (简体中文)", page.Find("[data-testid=settings-mailboxes]").TextContent);
        Assert.DoesNotContain("not-shown-anywhere", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutSmtp_SaysNoticesStayInTheConsole()
    {
        await using var context = Context(new SmtpOptions { Host = "" });

        var page = context.Render<SettingsPage>();

        Assert.Contains("no SMTP server", page.Find("[data-testid=settings-smtp]").TextContent, StringComparison.Ordinal);
        Assert.Equal("none", page.Find("[data-testid=settings-mailboxes]").TextContent);
    }
}
