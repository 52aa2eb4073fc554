using Bunit;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Authentication;
using Governance.Web.Components.Pages.Settings;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Governance.Web.Tests.Components;

/// <summary>The Accounts page for Admins: disable, enable and change roles, on the real services and database.</summary>
public sealed class AccountsPageTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IAsyncLifetime
{
    private readonly BunitContext _context = Context(databases);

    private static BunitContext Context(ConsoleDatabases databases)
    {
        return ConsoleComponents.Create(databases, "local:4", Roles.Admin, services => services.AddSingleton(new SignInOptions { Mode = SignInMode.Local }));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private Task<string> OneAsync(string sql) => TestPostgres.ScalarAsync<string>(databases.AdminConnectionString, sql);

    [Fact]
    public async Task Admin_DisablesEnablesAndChangesRoles_EachAuditedAsThem_AndSeesTheStateInWords()
    {
        var user = await databases.NewAccountAsync(Roles.Legal);
        var page = _context.Render<AccountsPage>();
        page.WaitForElement("[data-testid=accounts][data-loaded=true]");
        var row = $"tr[data-account='{user}']";
        Assert.Contains("Active", page.Find(row).TextContent, StringComparison.Ordinal);

        await page.InvokeAsync(() => page.Find($"{row} fluent-button[data-action=disable]").Click());
        page.WaitForAssertion(() => Assert.Contains($"Disabled {user}.", page.Find("[data-testid=accounts-message]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Disabled since", page.Find(row).TextContent, StringComparison.Ordinal);

        await page.InvokeAsync(() => page.Find($"{row} fluent-button[data-action=enable]").Click());
        page.WaitForAssertion(() => Assert.Contains("Active", page.Find(row).TextContent, StringComparison.Ordinal));

        await page.InvokeAsync(() => page.Find($"{row} fluent-button[data-action=roles]").Click());
        await page.Find("[data-testid=account-roles] fluent-checkbox[data-role=Auditor]").TriggerEventAsync("oncheckedchange", new CheckboxChangeEventArgs { Checked = true });
        await page.Find("[data-testid=account-roles] fluent-checkbox[data-role=Legal]").TriggerEventAsync("oncheckedchange", new CheckboxChangeEventArgs { Checked = false });
        await page.InvokeAsync(() => page.Find("[data-testid=account-roles] form").Submit());
        page.WaitForAssertion(() => Assert.Contains($"Changed the roles of {user}.", page.Find("[data-testid=accounts-message]").TextContent, StringComparison.Ordinal));

        Assert.Equal("{Auditor}", await OneAsync($"select roles::text from gov.local_accounts where user_name = '{user}'"));
        Assert.Equal("account.disable,account.enable,account.set-roles", await OneAsync(
            $"select string_agg(a.action, ',' order by a.id) from gov.audit_log a join gov.local_accounts l on a.target_id = l.id::text where l.user_name = '{user}' and a.actor_id = 'local:4' and a.target_type = 'account'"));
    }

    [Fact]
    public async Task TakingTheRolesAwayFromEveryone_IsRefusedWithAMessage_AndChangesNothing()
    {
        var user = await databases.NewAccountAsync(Roles.Legal);
        var page = _context.Render<AccountsPage>();
        page.WaitForElement("[data-testid=accounts][data-loaded=true]");

        await page.InvokeAsync(() => page.Find($"tr[data-account='{user}'] fluent-button[data-action=roles]").Click());
        await page.Find("[data-testid=account-roles] fluent-checkbox[data-role=Legal]").TriggerEventAsync("oncheckedchange", new CheckboxChangeEventArgs { Checked = false });
        await page.InvokeAsync(() => page.Find("[data-testid=account-roles] form").Submit());

        page.WaitForAssertion(() => Assert.Contains("Give at least one role.", page.Find("[data-testid=accounts-problem]").TextContent, StringComparison.Ordinal));
        Assert.Equal("{Legal}", await OneAsync($"select roles::text from gov.local_accounts where user_name = '{user}'"));
    }
}
