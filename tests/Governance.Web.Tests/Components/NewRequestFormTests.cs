using System.Security.Claims;
using Bunit;
using Governance.Core;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Components.Pages.Requests;
using Governance.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Governance.Web.Tests.Components;

/// <summary>The staff form for requests received by e-mail, letter or phone, rendered by bunit on the console's real services and database.</summary>
public sealed class NewRequestFormTests : IClassFixture<ConsoleDatabases>, IAsyncLifetime
{
    private readonly BunitContext _context;
    private readonly ConsoleDatabases _databases;

    public NewRequestFormTests(ConsoleDatabases databases)
    {
        _databases = databases;
        _context = ConsoleComponents.Create(databases, "local:1", Roles.PrivacyOfficer);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private Task<long> CountAsync(string where = "true") => TestPostgres.ScalarAsync<long>(_databases.AdminConnectionString, $"select count(*) from gov.requests where {where}");

    [Fact]
    public void Render_OffersEveryRegimeTypeAndStaffChannel()
    {
        var form = _context.Render<NewRequestPage>();

        Assert.Equal(["", "gdpr", "ccpa", "pipl"], form.FindAll("fluent-select[data-testid=regime] fluent-option").Select(o => o.GetAttribute("value")));
        Assert.Equal(9, form.FindAll("fluent-select[data-testid=type] fluent-option").Count);
        Assert.Equal(["email", "letter", "phone"], form.FindAll("fluent-select[data-testid=channel] fluent-option").Select(o => o.GetAttribute("value")));
        Assert.True(form.Find("fluent-text-field[data-testid=agent-name]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Submit_WithABrokenEmailAndNoType_ShowsBothMessagesAndWritesNothing()
    {
        var before = await CountAsync();
        var form = _context.Render<NewRequestPage>();

        form.Find("fluent-select[data-testid=regime]").Change("gdpr");
        form.Find("fluent-text-field[data-testid=email]").Change("not-an-address");
        form.Find("form").Submit();

        form.WaitForAssertion(() => Assert.NotNull(form.Find("[data-testid=form-failure]")));
        Assert.Contains("valid e-mail", form.Find(".field-problem[data-field=email]").TextContent, StringComparison.Ordinal);
        // The type is chosen from a list: the message says so, not the codes the list does not show.
        Assert.Equal("Choose the type from the list.", form.Find(".field-problem[data-field=type]").TextContent);
        Assert.Equal(before, await CountAsync());
        Assert.EndsWith("/", _context.Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_AgentTickedWithoutAName_NamesTheAgentField()
    {
        var form = _context.Render<NewRequestPage>();

        form.Find("fluent-select[data-testid=regime]").Change("ccpa");
        form.Find("fluent-select[data-testid=type]").Change("erasure");
        form.Find("fluent-text-field[data-testid=phone]").Change("+14155550100");
        // The checkbox reports its change after a yield: the submit must wait for it, as a person clicking would.
        await form.Find("fluent-checkbox[data-testid=authorised-agent]").TriggerEventAsync("oncheckedchange", new CheckboxChangeEventArgs { Checked = true });
        form.Find("form").Submit();

        form.WaitForAssertion(() => Assert.Contains("agent", form.Find(".field-problem[data-field=agentName]").TextContent, StringComparison.Ordinal));
        Assert.False(form.Find("fluent-text-field[data-testid=agent-name]").HasAttribute("disabled"));
        Assert.Equal(0, await CountAsync("subject_phone = '+14155550100'"));
    }

    [Fact]
    public async Task Submit_ATwelveHourTime_NamesTheReceiptAndWritesNothing()
    {
        var before = await CountAsync();
        var form = _context.Render<NewRequestPage>();

        form.Find("fluent-select[data-testid=regime]").Change("gdpr");
        form.Find("fluent-select[data-testid=type]").Change("access");
        form.Find("[data-testid=received-date]").Change("2026-01-31");
        form.Find("fluent-text-field[data-testid=received-time]").Change("9:30 PM");
        form.Find("fluent-text-field[data-testid=email]").Change("twelve-hour@example.org");
        form.Find("form").Submit();

        form.WaitForAssertion(() => Assert.Contains("HH:mm", form.Find(".field-problem[data-field=receivedAt]").TextContent, StringComparison.Ordinal));
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Submit_ALetterFromAnAgent_IsSavedWithBrusselsReceipt_AndOpensTheRequest()
    {
        var email = $"letter-{Guid.NewGuid().ToString("N")[..8]}@example.org";
        var form = _context.Render<NewRequestPage>();

        form.Find("fluent-select[data-testid=regime]").Change("gdpr");
        form.Find("fluent-select[data-testid=type]").Change("access");
        form.Find("fluent-select[data-testid=channel]").Change("letter");
        form.Find("[data-testid=received-date]").Change("2026-01-31");
        form.Find("fluent-text-field[data-testid=received-time]").Change("00:30");
        form.Find("fluent-text-field[data-testid=email]").Change(email);
        // The checkbox reports its change after a yield: the submit must wait for it, as a person clicking would.
        await form.Find("fluent-checkbox[data-testid=authorised-agent]").TriggerEventAsync("oncheckedchange", new CheckboxChangeEventArgs { Checked = true });
        form.Find("fluent-text-field[data-testid=agent-name]").Change("Example Rights Ltd");
        form.Find("fluent-text-area[data-testid=agent-evidence]").Change("signed permission enclosed");
        form.Find("form").Submit();

        var navigation = _context.Services.GetRequiredService<NavigationManager>();
        form.WaitForAssertion(() => Assert.True(navigation.Uri.Contains("/requests/", StringComparison.Ordinal),
            string.Join("; ", form.FindAll(".field-problem").Select(p => p.GetAttribute("data-field") + ": " + p.TextContent))));
        var id = navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..];
        var row = await TestPostgres.ScalarAsync<string>(_databases.AdminConnectionString,
            $"select concat_ws('|', channel, received_on, to_char(received_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), due_on, agent_name, agent_evidence) from gov.requests where id = '{id}'");
        // 00:30 in Brussels on 31 January is 23:30 UTC on the 30th, but the request was received on the 31st: due on the
        // last day of February, which in 2026 is a Saturday, so Monday 2 March.
        Assert.Equal("letter|2026-01-31|2026-01-30 23:30|2026-03-02|Example Rights Ltd|signed permission enclosed", row);
    }
}
