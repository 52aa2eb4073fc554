using Bunit;
using Governance.Core.Security;
using Governance.Tests.Support;
using Governance.Web.Components.Pages.Holds;
using Governance.Web.Tests.Support;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Governance.Web.Tests.Components;

/// <summary>The holds page: create with field messages, then extend and release, on the real services and database.</summary>
public sealed class HoldsPageTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>, IAsyncLifetime
{
    private readonly BunitContext _context = ConsoleComponents.Create(databases, "local:2", Roles.Legal);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private Task<long> CountAsync(string sql) => TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, sql);

    [Fact]
    public async Task Create_WithoutScope_NamesTheField_ThenCreatesExtendsAndReleases()
    {
        var matter = "Matter " + Guid.NewGuid().ToString("N")[..8];
        var page = _context.Render<HoldsPage>();
        page.WaitForElement("[data-testid=holds][data-loaded=true]");

        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] fluent-text-field[data-testid=hold-matter]").Change(matter));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] form").Submit());
        page.WaitForAssertion(() => Assert.Contains("custodian", page.Find("[data-testid=hold-new] .field-problem[data-field=scope]").TextContent, StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync($"select count(*) from gov.legal_holds where matter = '{matter}'"));

        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] fluent-text-area[data-testid=scope-users]").Change("u-101\nu-102, u-103"));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] fluent-text-field[data-testid=scope-store]").Change("eu"));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] [data-testid=hold-from]").Change("2025-01-01"));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] form").Submit());
        page.WaitForAssertion(() => Assert.Contains("Created HOLD-", page.Find("[data-testid=hold-message]").TextContent, StringComparison.Ordinal));
        var reference = page.Find("[data-testid=hold-message]").TextContent.Split(' ')[1].TrimEnd('.');
        page.WaitForAssertion(() => Assert.Contains("3 custodians", page.Find($"tr[data-reference='{reference}']").TextContent, StringComparison.Ordinal));
        var row = page.Find($"tr[data-reference='{reference}']");
        Assert.Contains("2025-01-01", row.TextContent, StringComparison.Ordinal);

        await page.InvokeAsync(() => page.Find($"tr[data-reference='{reference}'] fluent-button").Click());
        await page.InvokeAsync(() => page.Find("[data-testid=hold-change] fluent-text-area[data-testid=scope-conversations]").Change("room-9"));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-change] form").Submit());
        page.WaitForAssertion(() => Assert.Contains("reason", page.Find("[data-testid=hold-change] .field-problem[data-field=reason]").TextContent, StringComparison.OrdinalIgnoreCase));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-change] fluent-text-field[data-testid=hold-change-reason]").Change("new conversation named by counsel"));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-change] form").Submit());
        page.WaitForAssertion(() => Assert.Contains($"Extended {reference}", page.Find("[data-testid=hold-message]").TextContent, StringComparison.Ordinal));
        page.WaitForAssertion(() => Assert.Contains("1 conversation", page.Find($"tr[data-reference='{reference}']").TextContent, StringComparison.Ordinal));

        await page.InvokeAsync(() => page.Find($"tr[data-reference='{reference}'] fluent-button").Click());
        await page.InvokeAsync(() => page.Find("fluent-text-field[data-testid=release-reason]").Change("matter settled"));
        await page.InvokeAsync(() => page.FindAll("[data-testid=hold-change] form")[1].Submit());
        page.WaitForAssertion(() => Assert.Contains($"Released {reference}", page.Find("[data-testid=hold-message]").TextContent, StringComparison.Ordinal));
        // The message shows first; the list is read again just after it.
        page.WaitForAssertion(() => Assert.Empty(page.FindAll($"tr[data-reference='{reference}']")));
        // Released holds stay on record: ticking "Show released holds" lists it again, with who released it and why.
        await page.Find("fluent-checkbox[data-testid=show-released]").TriggerEventAsync("oncheckedchange", new CheckboxChangeEventArgs { Checked = true });
        page.WaitForAssertion(() => Assert.Contains("matter settled", page.Find($"tr[data-reference='{reference}']").TextContent, StringComparison.Ordinal));
        // The confirmation is a toast over the page, not a line at its foot, and it closes.
        Assert.Contains($"Released {reference}", page.Find(".toast[role=status] [data-testid=hold-message]").TextContent, StringComparison.Ordinal);
        await page.InvokeAsync(() => page.Find(".toast fluent-button").Click());
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".toast")));
        Assert.Equal(3, await CountAsync($"select count(*) from gov.audit_log a join gov.legal_holds h on h.id::text = a.target_id where h.reference = '{reference}' and a.actor_id = 'local:2'"));
    }

    [Fact]
    public async Task Custodian_FoundByEmail_InEveryStoreWithTheAddress_IsHeldInItsOwnStore()
    {
        // The address of a seeded person, and where each store has it, read here straight from the stores.
        var email = await TestPostgres.ScalarAsync<string>(databases.Settings["ChatStores:eu:ConnectionString"]!, "select email from users where email is not null order by id limit 1");
        var expected = new List<(string Store, string Id)>();
        var names = new List<string>();
        foreach (var store in new[] { "cn", "eu", "us" })
        {
            await using var connection = new Npgsql.NpgsqlConnection(databases.Settings[$"ChatStores:{store}:ConnectionString"]);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("select id::text, display_name from users where lower(email) = lower(@e)", connection);
            command.Parameters.AddWithValue("e", email);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                expected.Add((store, reader.GetString(0)));
                names.Add($"{reader.GetString(1)} ({store})");
            }
        }

        var matter = "Lookup " + Guid.NewGuid().ToString("N")[..8];
        var page = _context.Render<HoldsPage>();
        page.WaitForElement("[data-testid=holds][data-loaded=true]");
        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] [data-testid=custodian-email]").Input(email));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] [data-testid=custodian-find]").Click());

        page.WaitForAssertion(() => Assert.Equal(expected.Count, page.FindAll("[data-testid=hold-new] [data-testid=custodians-found] li").Count));
        var shown = page.FindAll("[data-testid=hold-new] [data-testid=custodians-found] li").Select(li => (li.GetAttribute("data-store")!, li.GetAttribute("data-id")!)).Order().ToList();
        Assert.Equal(expected.Order().ToList(), shown);
        Assert.Equal(names.Select(n => n[..n.LastIndexOf(" (", StringComparison.Ordinal)]).Order(StringComparer.Ordinal),
            page.FindAll("[data-testid=hold-new] [data-testid=custodians-found] [data-testid=custodian-name]").Select(n => n.TextContent).Order(StringComparer.Ordinal));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] fluent-text-field[data-testid=hold-matter]").Change(matter));
        await page.InvokeAsync(() => page.Find("[data-testid=hold-new] form").Submit());
        page.WaitForAssertion(() => Assert.Contains("Created HOLD-", page.Find("[data-testid=hold-message]").TextContent, StringComparison.Ordinal));

        Assert.Equal(string.Join(",", expected.Order().Select(e => $"{e.Store}:{e.Id}")), await TestPostgres.ScalarAsync<string>(databases.AdminConnectionString,
            $"select string_agg(s.store || ':' || s.value, ',' order by s.store, s.value) from gov.legal_hold_scope s join gov.legal_holds h on h.id = s.hold_id where h.matter = '{matter}'"));
        Assert.True(await CountAsync("select count(*) from gov.audit_log where action = 'person.search' and actor_id = 'local:2'") >= 1);

        // The list names the custodians as their stores do (the shipped map's holds.custodian_name), each with its store.
        var reference = page.Find("[data-testid=hold-message]").TextContent.Split(' ')[1].TrimEnd('.');
        Assert.InRange(names.Count, 1, 3); // a seeded address is in at most the three stores: every name is shown
        page.WaitForAssertion(() => Assert.Equal(names.Order(StringComparer.Ordinal),
            page.Find($"tr[data-reference='{reference}'] [data-testid=hold-custodians]").TextContent.Split(", ").Order(StringComparer.Ordinal)));
    }
}
