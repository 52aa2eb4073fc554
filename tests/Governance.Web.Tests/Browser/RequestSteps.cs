using Microsoft.Playwright;

namespace Governance.Web.Tests.Browser;

/// <summary>The steps of a request's life in the browser that several flows share, each waiting for what it leads to.</summary>
internal static class RequestSteps
{
    /// <summary>From the request list (signed in): opens the new-request form and fills a GDPR letter of this type, received
    /// then (Brussels time, yyyy-MM-ddTHH:mm).</summary>
    public static async Task OpenLetterAsync(IPage page, string type, string receivedAt)
    {
        await page.Locator("form[data-interactive=true]").WaitForAsync();
        await page.Locator("[data-testid=new-request-link]").ClickAsync();
        await page.Locator("form[data-testid=new-request][data-interactive=true]").WaitForAsync();
        await ChooseAsync(page, "regime", "gdpr");
        await ChooseAsync(page, "type", type);
        await ChooseAsync(page, "channel", "letter");
        var date = page.Locator("[data-testid=received-date] input");
        await date.FillAsync(receivedAt[..10]);
        await date.PressAsync("Tab");
        await FillAsync(page, "received-time", receivedAt[11..]);
    }

    /// <summary>Saves the form with this e-mail and returns the new request's reference, once its page is shown.</summary>
    public static async Task<string> SaveAsync(IPage page, string email)
    {
        await FillAsync(page, "email", email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save request" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/requests/[0-9a-f-]{36}$"));
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("DSR-2026-");
        return (await page.Locator("h1").InnerTextAsync()).Split(' ')[0];
    }

    /// <summary>Finds the person in the eu store, then checks their identity (a document seen) until the request is in review.</summary>
    public static async Task FindAndVerifyAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Search the chat stores" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=find-person] tr[data-store=eu]")).ToContainTextAsync("1 account: id ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start verification" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "Verifying");
        await ChooseAsync(page, "verify-method", "document-check");
        await page.Locator("[data-testid=verify-evidence] input").FillAsync("copy of ID seen, returned");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark verified" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "InReview");
    }

    /// <summary>Types into a Fluent text field and leaves it, so that the console receives the value (Fluent fields report on change).</summary>
    public static async Task FillAsync(IPage page, string testId, string text)
    {
        var input = page.Locator($"[data-testid={testId}] input");
        await input.FillAsync(text);
        await input.PressAsync("Tab");
    }

    /// <summary>Opens a Fluent select and picks the option with this value, then waits until the select holds it.</summary>
    public static async Task ChooseAsync(IPage page, string testId, string value)
    {
        var select = page.Locator($"fluent-select[data-testid={testId}]");
        await select.ClickAsync();
        await select.Locator($"fluent-option[value='{value}']").ClickAsync();
        await Assertions.Expect(select).ToHaveJSPropertyAsync("value", value);
    }

    /// <summary>Chooses Approve as the next step, with a reason, and waits for the request to be Approved.</summary>
    public static async Task ApproveAsync(IPage page, string reason)
    {
        await ChooseAsync(page, "action", "Approve");
        await page.Locator("[data-testid=action-reason] input").FillAsync(reason);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=request-state]")).ToHaveAttributeAsync("data-state", "Approved");
    }
}
