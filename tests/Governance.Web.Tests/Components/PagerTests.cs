using System.Globalization;
using Bunit;
using Governance.Web.Components.Shared;
using Governance.Web.Tests.Support;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Governance.Web.Tests.Components;

/// <summary>The console's pager: where the reader is, the four moves, and their screen-reader names in the reader's language.</summary>
public sealed class PagerTests
{
    [Fact]
    public async Task A120RowList_In50s_HasThreePages_AndEachMoveLandsWhereItSays()
    {
        await using var context = PolicyContext.Create();
        var state = new PaginationState { ItemsPerPage = 50 };
        await state.SetTotalItemCountAsync(120);
        var pager = context.Render<Pager>(p => p.Add(x => x.State, state));

        Assert.Equal("Page 1 of 3", pager.Find(".pager-position").TextContent);
        Assert.Equal("120 in all", pager.Find(".pager-summary").TextContent);
        Assert.True(pager.Find("[data-page=first]").HasAttribute("disabled"));
        Assert.True(pager.Find("[data-page=previous]").HasAttribute("disabled"));

        await pager.InvokeAsync(() => pager.Find("[data-page=next]").Click());
        Assert.Equal(1, state.CurrentPageIndex);
        pager.WaitForAssertion(() => Assert.Equal("Page 2 of 3", pager.Find(".pager-position").TextContent));
        Assert.False(pager.Find("[data-page=previous]").HasAttribute("disabled"));

        await pager.InvokeAsync(() => pager.Find("[data-page=last]").Click());
        Assert.Equal(2, state.CurrentPageIndex);
        pager.WaitForAssertion(() => Assert.True(pager.Find("[data-page=next]").HasAttribute("disabled")));

        await pager.InvokeAsync(() => pager.Find("[data-page=first]").Click());
        Assert.Equal(0, state.CurrentPageIndex);
    }

    [Fact]
    public async Task InChinese_TheButtonsAreNamedInChinese()
    {
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
        try
        {
            await using var context = PolicyContext.Create();
            var state = new PaginationState { ItemsPerPage = 50 };
            await state.SetTotalItemCountAsync(10);
            var pager = context.Render<Pager>(p => p.Add(x => x.State, state));

            Assert.Equal(["第一页", "上一页", "下一页", "最后一页"], pager.FindAll("fluent-button").Select(b => b.GetAttribute("aria-label")));
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
