using Governance.Core.DataMap;
using Governance.Tests.Support;

namespace Governance.Core.Tests.DataMap;

/// <summary>
/// The team chat fixture (Fixtures/teamchat.sql): 26-character ids, no foreign keys, direct channels named after both
/// members' ids, mentions of user names in text, reactions to others' posts, file paths with empty thumbnails.
/// </summary>
public sealed class TeamChatSchemaTests : IAsyncLifetime
{
    private const string Ann = "annannannannannannannannan";
    private const string Bob = "bobbobbobbobbobbobbobbobbo";
    private FixtureStore _fx = null!;

    public async Task InitializeAsync() => _fx = await FixtureStore.CreateAsync("teamchat");

    public async Task DisposeAsync() => await _fx.DisposeAsync();

    private static readonly (string Table, string Key)[] Tables =
    [
        ("users", "x.id"), ("channels", "x.id"), ("channelmembers", "x.channelid || x.userid"), ("posts", "x.id"), ("reactions", "x.postid || x.userid"),
        ("fileinfo", "x.id"), ("sessions", "x.id"),
    ];

    [Fact]
    public async Task Access_ReachesTheDirectChannelByItsName_TheMentionByUserName_AndLeaksNoOneElsesContent()
    {
        var plan = _fx.Planner().Access(IdentityKind.Email, "ANN@example.com");
        var preview = await PlanPreview.RunAsync(plan, _fx.Store, CancellationToken.None);
        string[] Keys(StepRole role, string collection) => FixtureStore.Keys(preview.Where(s => s.Role == role && s.Collection == collection));

        Assert.Equal([Ann], Keys(StepRole.Find, "users"));
        Assert.Equal(await _fx.TruthAsync($"select id from channels where creatorid = '{Ann}' or name like '{Ann}\\_\\_%' or name like '%\\_\\_{Ann}'"), Keys(StepRole.Own, "channels"));
        Assert.Equal(await _fx.TruthAsync($"select id from posts where userid = '{Ann}'"), Keys(StepRole.Own, "posts"));
        // "@ann" is mentioned in p2; "@annex" is someone else; "@bob and @cy" mention others.
        Assert.Equal(["p2bob000000000000000000000"], Keys(StepRole.PointsAtPerson, "posts"));
        // Files: every non-empty path of the person's files, never an empty thumbnail.
        Assert.Equal(await _fx.TruthAsync($"""
            select p from (select path p from fileinfo where creatorid = '{Ann}' union all select thumbnailpath from fileinfo where creatorid = '{Ann}'
                union all select previewpath from fileinfo where creatorid = '{Ann}') f where p <> ''
            """), FixtureStore.Keys(preview.Where(s => s.Role == StepRole.Files)));

        // The post the person reacted to is context: its id, channel, time; not its author or its text.
        Assert.Contains("p3bob000000000000000000000", Keys(StepRole.Context, "posts"));
        var shown = preview.Where(s => s.Role is StepRole.Context or StepRole.PointsAtPerson).SelectMany(s => s.Rows).SelectMany(r => r).OfType<string>().ToList();
        Assert.DoesNotContain(shown, v => v.Contains("secret", StringComparison.Ordinal) || v.Contains("thanks", StringComparison.Ordinal) || v == Bob);
    }

    [Fact]
    public async Task Erasure_Executed_ReplacesOnlyThePersonsPartOfNamesAndMentions_AndOthersRowsStayByteIdentical()
    {
        var before = await _fx.FingerprintsAsync(Tables);
        var plan = _fx.Planner().Erase(IdentityKind.Email, "ann@example.com", TestKeys.Pseudonyms);

        var results = await PlanRunner.ExecuteAsync(plan, _fx.Store, CancellationToken.None);

        var traces = await _fx.TruthAsync($"""
            select t from (select x::text t from users x union all select x::text from channels x union all select x::text from channelmembers x
                union all select x::text from posts x union all select x::text from reactions x union all select x::text from fileinfo x union all select x::text from sessions x) a
            where t like '%{Ann}%' or t ~ '@ann\M' or t like '%home address%' or t like '%Annie%' or t ilike '%ann@example%' or t like '%tokann%' or t like '%f1ann%'
            """);
        Assert.Empty(traces);

        // The direct channel's name keeps bob's id and gets the person's 26-character pseudonym, the one their posts carry.
        var pseudonym = (await _fx.TruthAsync("select userid from posts where id = 'p1ann000000000000000000000'"))[0];
        Assert.Matches("^[a-z0-9]{26}$", pseudonym);
        Assert.Equal([$"{pseudonym}__{Bob}"], await _fx.TruthAsync("select name from channels where id = 'dmannbob000000000000000000'"));
        Assert.Equal(["(message deleted)"], await _fx.TruthAsync("select message from posts where id = 'p1ann000000000000000000000'"));
        var mention = (await _fx.TruthAsync("select message from posts where id = 'p2bob000000000000000000000'"))[0];
        Assert.Matches("^thanks @[a-z0-9]{10}, and @annex too$", mention);

        Assert.Equal(["data/20261101/teams/x/f1ann/scan.pdf", "data/20261102/teams/x/f2ann/pic.png", "data/20261102/teams/x/f2ann/pic_preview.jpg", "data/20261102/teams/x/f2ann/pic_thumb.jpg"],
            results.SelectMany(r => r.Files).Select(f => f.Path).Order(StringComparer.Ordinal).ToArray());

        var after = await _fx.FingerprintsAsync(Tables);
        string[] touched = ["channels/dmannbob000000000000000000", "posts/p1ann000000000000000000000", "posts/p2bob000000000000000000000", "posts/p4ann000000000000000000000"];
        string[] deleted = [$"users/{Ann}", $"channelmembers/dmannbob000000000000000000{Ann}", $"channelmembers/townsquare0000000000000000{Ann}",
            $"reactions/p3bob000000000000000000000{Ann}", "fileinfo/f1ann000000000000000000000", "fileinfo/f2ann000000000000000000000", "sessions/s1ann000000000000000000000"];
        Assert.All(deleted, k => Assert.False(after.ContainsKey(k), k));
        var others = before.Keys.Except(touched).Except(deleted).ToList();
        Assert.Equal(before.Count - 11, others.Count);
        Assert.All(others, k => Assert.Equal(before[k], after.GetValueOrDefault(k)));
    }

    [Fact]
    public async Task Erasure_ByEmailOrByUserId_GivesThePersonOnePseudonym_AndSomeoneElseAnother()
    {
        await using var second = await FixtureStore.CreateAsync("teamchat");
        const string AnnPost = "select userid from posts where id = 'p1ann000000000000000000000'";

        await PlanRunner.ExecuteAsync(_fx.Planner().Erase(IdentityKind.Email, "ANN@example.com", TestKeys.Pseudonyms), _fx.Store, CancellationToken.None);
        await PlanRunner.ExecuteAsync(second.Planner().Erase(IdentityKind.UserId, Ann, TestKeys.Pseudonyms), second.Store, CancellationToken.None);
        await PlanRunner.ExecuteAsync(second.Planner().Erase(IdentityKind.UserId, Bob, TestKeys.Pseudonyms), second.Store, CancellationToken.None);

        var byEmail = (await _fx.TruthAsync(AnnPost)).Single();
        var byUserId = (await second.TruthAsync(AnnPost)).Single();
        var bobs = (await second.TruthAsync("select distinct userid from posts where id like 'p_bob%'")).Single();
        Assert.NotEqual(Ann, byEmail);
        Assert.Equal(byEmail, byUserId);
        Assert.NotEqual(byEmail, bobs);
        Assert.NotEqual(Bob, bobs);
    }
}
