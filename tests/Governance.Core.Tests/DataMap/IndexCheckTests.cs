using Governance.Core.DataMap;
using Governance.Core.Demo;
using Governance.Tests.Support;

namespace Governance.Core.Tests.DataMap;

/// <summary>Columns the plans filter or join on need an index; validation warns per store where one is missing.</summary>
public sealed class IndexCheckTests
{
    [Fact]
    public async Task ReferenceStore_HasTheIndexesItsOwnPlansNeed()
    {
        await using var db = await TestPostgres.ScratchAsync("idx_ref", DemoSeeder.SchemaSql());
        var map = Assert.Single(DataMapLoader.LoadDirectory(DataMapLoaderTests.PoliciesFolder()).Maps);

        var warnings = await IndexCheck.WarningsAsync(map, db.Store, "eu", CancellationToken.None);

        Assert.True(warnings.Count == 0, string.Join("\n", warnings));
    }

    [Fact]
    public async Task FixtureWithoutIndexes_GetsAWarningPerSearchedColumn_AtItsLine()
    {
        await using var fx = await FixtureStore.CreateAsync("teamchat");

        var warnings = await IndexCheck.WarningsAsync(fx.Map, fx.Store, "team", CancellationToken.None);

        // posts.userid has an index; the pattern on channels.name and on posts.message, sessions.userid and the others do not.
        Assert.DoesNotContain(warnings, w => w.Message.Contains("posts.userid ", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("channels.name has no usable index", StringComparison.Ordinal) && w.Message.Contains("trigram", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("sessions.userid has no usable index", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("users.email has no usable index", StringComparison.Ordinal) && w.Message.Contains("lower(email)", StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.StartsWith("warning: store 'team'", w.Message, StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.True(w.Where.Line > 0));
    }
}
