using Bunit;
using Governance.Core.Audit;
using Governance.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Web.Tests.Components;

/// <summary>The chain badge on the dashboard and the audit page: a break stays, named by its position, after its alert is resolved.</summary>
public sealed class ChainBadgeTests
{
    [Fact]
    public async Task ABreakWhoseAlertWasResolved_StillSaysBroken_AndNamesThePosition()
    {
        await using var context = new BunitContext();
        context.Services.AddLocalization();
        var status = new ChainStatus(new DateTimeOffset(2026, 11, 30, 2, 30, 0, TimeSpan.Zero), true, 900, null, 0)
        {
            BrokenAt = 1234,
            BrokenFoundAt = new DateTimeOffset(2026, 11, 29, 2, 30, 0, TimeSpan.Zero),
        };

        var badge = context.Render<ChainBadge>(p => p.Add(b => b.Status, status));

        var text = badge.Find("[data-testid=chain-badge]");
        Assert.Contains("broken", text.ClassName, StringComparison.Ordinal);
        Assert.Equal("alert", text.GetAttribute("role"));
        Assert.Contains("Audit chain broken at position 1,234 (found 2026-11-29 02:30 UTC)", text.TextContent, StringComparison.Ordinal);
        Assert.Contains("until a verification that covers position 1,234 passes", text.TextContent, StringComparison.Ordinal);
    }
}
