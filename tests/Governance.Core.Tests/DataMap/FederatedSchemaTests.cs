using Governance.Core.DataMap;
using Governance.Tests.Support;

namespace Governance.Core.Tests.DataMap;

/// <summary>
/// The federated fixture (Fixtures/federated.sql): qualified ids, localpart-keyed tables, identities in a table of
/// third-party ids, events as JSON in TEXT (message and membership documents), ids in JSON arrays and in text,
/// derived media paths, no foreign keys. Plans are compared with ground truth written here by hand.
/// </summary>
public sealed class FederatedSchemaTests : IAsyncLifetime
{
    private const string Alice = "@alice:example.org";
    private FixtureStore _fx = null!;

    public async Task InitializeAsync() => _fx = await FixtureStore.CreateAsync("federated");

    public async Task DisposeAsync() => await _fx.DisposeAsync();

    private static readonly (string Table, string Key)[] Tables =
    [
        ("users", "x.name"), ("profiles", "x.user_id"), ("user_threepids", "x.address"), ("user_external_ids", "x.external_id"), ("access_tokens", "x.id"),
        ("devices", "x.device_id"), ("rooms", "x.room_id"), ("events", "x.event_id"), ("event_json", "x.event_id"), ("room_memberships", "x.event_id"),
        ("receipts_linearized", "x.user_id || x.event_id"), ("local_media_repository", "x.media_id"),
        ("local_media_repository_thumbnails", "x.media_id || x.thumbnail_width"),
    ];

    [Theory]
    [InlineData(IdentityKind.Email, "ALICE@Mail.Example")]
    [InlineData(IdentityKind.Email, "a.work@corp.example")]
    [InlineData(IdentityKind.Phone, "447700900123")]
    [InlineData(IdentityKind.ExternalId, "EMP-0042")]
    [InlineData(IdentityKind.UserId, Alice)]
    public async Task Find_ByAnyIdentityInAnyTable_GivesThePersonsQualifiedId(IdentityKind kind, string value)
    {
        var preview = await PlanPreview.RunAsync(_fx.Planner().Access(kind, value), _fx.Store, CancellationToken.None);

        Assert.Equal([Alice], FixtureStore.Keys(preview.Where(s => s.Role == StepRole.Find)));
    }

    [Fact]
    public async Task Find_ByAnEmailOfThePhoneKind_FindsNobody()
    {
        // The msisdn row's address is not an e-mail: the condition on medium keeps kinds apart.
        var preview = await PlanPreview.RunAsync(_fx.Planner().Access(IdentityKind.Email, "447700900123"), _fx.Store, CancellationToken.None);

        Assert.Empty(FixtureStore.Keys(preview.Where(s => s.Role == StepRole.Find)));
    }

    [Fact]
    public async Task Access_ReachesEverythingOfThePerson_AndNoOtherPersonsContent()
    {
        var plan = _fx.Planner().Access(IdentityKind.Email, "alice@mail.example");
        var preview = await PlanPreview.RunAsync(plan, _fx.Store, CancellationToken.None);
        string[] Own(string collection) => FixtureStore.Keys(preview.Where(s => s.Role == StepRole.Own && s.Collection == collection));

        Assert.Equal(["alice"], Own("profiles"));
        Assert.Equal(await _fx.TruthAsync("select id from access_tokens where user_id = '@alice:example.org'"), Own("access_tokens"));
        Assert.Equal((await _fx.TruthAsync("select count(*) from user_threepids where user_id = '@alice:example.org'"))[0],
            preview.Where(s => s.Role == StepRole.Own && s.Collection == "user_threepids").Sum(s => s.Rows.Count).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["$j1", "$j2", "$m1"], Own("events"));
        Assert.Equal(["$j1", "$j2", "$m1"], Own("event_json"));
        Assert.Equal(["$j1", "$j2"], Own("room_memberships"));
        Assert.Equal(["!r1:example.org"], Own("rooms"));
        Assert.Equal(["AAAAmediaAlice", "BBBBmediaAlice2"], Own("local_media_repository"));

        // Mentions: in the JSON array of bob's message, and in text (the pattern); never alicia's rows.
        Assert.Equal(["$m2"], FixtureStore.Keys(preview.Where(s => s.Role == StepRole.PointsAtPerson && s.Description.Contains("mentioned (json)", StringComparison.Ordinal) && plan.Steps[s.Order - 1].Sql.Contains("jsonb_path_query", StringComparison.Ordinal))));
        Assert.Equal(await _fx.TruthAsync("select event_id from event_json where json ~ '@alice:example\\.org'"),
            FixtureStore.Keys(preview.Where(s => s.Role == StepRole.PointsAtPerson && plan.Steps[s.Order - 1].Sql.Contains("regexp_matches", StringComparison.Ordinal))));

        // The one row whose text is not JSON but holds the id is reported, not read and not a crash.
        Assert.Equal(["$x1"], FixtureStore.Keys(preview.Where(s => s.Role == StepRole.Unreadable)));

        // Files at paths derived from the media id.
        Assert.Equal(["local_content/AA/AA/mediaAlice", "local_content/BB/BB/mediaAlice2"], FixtureStore.Keys(preview.Where(s => s.Role == StepRole.Files)));

        // Context (the events the person's receipt points at, the rooms of their rows): metadata only, no one else's id or content.
        var context = preview.Where(s => s.Role is StepRole.Context or StepRole.PointsAtPerson).SelectMany(s => s.Rows).SelectMany(r => r).Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains("$m2", FixtureStore.Keys(preview.Where(s => s.Role == StepRole.Context && s.Collection == "events")));
        Assert.DoesNotContain(context, v => v is not null && (v.Contains("@bob", StringComparison.Ordinal) || v.Contains("@carol", StringComparison.Ordinal) || v.Contains("thanks", StringComparison.Ordinal)));
        Assert.DoesNotContain(plan.Steps.Where(s => s.Role is StepRole.Context or StepRole.PointsAtPerson), s => s.Sql.Contains("select *", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Erasure_Executed_LeavesNoTraceOfThePerson_AndOthersRowsByteIdentical()
    {
        var before = await _fx.FingerprintsAsync(Tables);
        var plan = _fx.Planner().Erase(IdentityKind.Phone, "447700900123", TestKeys.Pseudonyms);

        var results = await PlanRunner.ExecuteAsync(plan, _fx.Store, CancellationToken.None);

        // No trace: the id, the localpart-keyed profile, addresses, tokens, the message's words, the media.
        Assert.Equal(0L, long.Parse((await _fx.TruthAsync("""
            select (select count(*) from users where name = '@alice:example.org') + (select count(*) from profiles where user_id = 'alice')
                 + (select count(*) from user_threepids where user_id = '@alice:example.org') + (select count(*) from user_external_ids where external_id = 'EMP-0042')
                 + (select count(*) from access_tokens where token like 'tok-a%') + (select count(*) from devices where display_name = 'Alice phone')
                 + (select count(*) from local_media_repository where user_id = '@alice:example.org') + (select count(*) from local_media_repository_thumbnails where media_id = 'AAAAmediaAlice')
                 + (select count(*) from receipts_linearized where user_id = '@alice:example.org')
                 + (select count(*) from rooms r where r::text like '%@alice:%') + (select count(*) from events e where e::text like '%@alice:%')
                 + (select count(*) from room_memberships m where m::text like '%@alice:%' or m::text like '%Alice A%')
                 + (select count(*) from event_json j where j.json like '%@alice:%' or j.json like '%Alice A%' or j.json like '%salary%' or j.json like '%Meeting notes%' or j.json like '%mediaAlice%')
            """))[0], System.Globalization.CultureInfo.InvariantCulture));

        // One pseudonym for the person everywhere, shaped to the map's format.
        var pseudonym = (await _fx.TruthAsync("select creator from rooms where room_id = '!r1:example.org'"))[0];
        Assert.Matches("^@erased-[a-z0-9]{12}:example\\.org$", pseudonym);
        Assert.Equal([pseudonym, pseudonym], await _fx.TruthAsync("select user_id from room_memberships where event_id in ('$j1', '$j2')"));
        Assert.Equal([pseudonym, pseudonym], await _fx.TruthAsync("select sender from events where event_id in ('$m1', '$j1')"));

        // Inside the JSON text: only the named keys changed, every other byte as it was; documents still JSON.
        Assert.Equal([$$$"""{"type":"m.room.message","sender":"{{{pseudonym}}}","room_id":"!r1:example.org","content":{"msgtype":"m.text","body":"[message deleted]"},"origin_server_ts":1000}"""],
            await _fx.TruthAsync("select json from event_json where event_id = '$m1'"));
        Assert.Equal([$$$"""{"type":"m.room.message","sender":"@bob:example.org","room_id":"!r1:example.org","content":{"msgtype":"m.text","body":"thanks {{{pseudonym}}}, see you","m.mentions":{"user_ids":["@carol:example.org"]}},"origin_server_ts":1001}"""],
            await _fx.TruthAsync("select json from event_json where event_id = '$m2'"));
        Assert.Equal([$$$"""{"type":"m.room.member","sender":"@bob:example.org","state_key":"{{{pseudonym}}}","content":{"membership":"invite"}}"""],
            await _fx.TruthAsync("select json from event_json where event_id = '$j2'"));
        Assert.Equal(["not json: " + pseudonym + " was here"], await _fx.TruthAsync("select json from event_json where event_id = '$x1'"));
        Assert.Equal(0L, long.Parse((await _fx.TruthAsync("select count(*) from event_json where event_id <> '$x1' and json::jsonb is null"))[0], System.Globalization.CultureInfo.InvariantCulture));

        // Files of the deleted media and of their thumbnails were listed, at their derived paths.
        Assert.Equal(["local_content/AA/AA/mediaAlice", "local_content/BB/BB/mediaAlice2", "local_thumbnails/AA/AA/mediaAlice/32-32-crop", "local_thumbnails/AA/AA/mediaAlice/96-96-scale"],
            results.SelectMany(r => r.Files).Select(f => f.Path).Order(StringComparer.Ordinal).ToArray());

        // Every row of anyone else that does not point at the person is byte-identical.
        var after = await _fx.FingerprintsAsync(Tables);
        string[] touched = ["rooms/!r1:example.org", "events/$m1", "events/$j1", "events/$j2", "event_json/$m1", "event_json/$m2", "event_json/$j1", "event_json/$j2", "event_json/$x1", "room_memberships/$j1", "room_memberships/$j2"];
        string[] deleted = ["users/@alice:example.org", "profiles/alice", "user_threepids/alice@mail.example", "user_threepids/a.work@corp.example", "user_threepids/447700900123",
            "user_external_ids/EMP-0042", "access_tokens/1", "access_tokens/2", "devices/DEV1", "receipts_linearized/@alice:example.org$m2",
            "local_media_repository/AAAAmediaAlice", "local_media_repository/BBBBmediaAlice2", "local_media_repository_thumbnails/AAAAmediaAlice32", "local_media_repository_thumbnails/AAAAmediaAlice96"];
        Assert.Equal(50, before.Count);
        Assert.All(deleted, k => Assert.False(after.ContainsKey(k), k));
        var others = before.Keys.Except(touched).Except(deleted).ToList();
        Assert.Equal(25, others.Count);
        Assert.All(others, k => Assert.Equal(before[k], after.GetValueOrDefault(k)));
    }

    [Fact]
    public async Task Erasure_RerunAfterItFinished_ChangesNothing()
    {
        var plan = _fx.Planner().Erase(IdentityKind.UserId, Alice, TestKeys.Pseudonyms);
        await PlanRunner.ExecuteAsync(plan, _fx.Store, CancellationToken.None);
        var between = await _fx.FingerprintsAsync(Tables);

        var again = await PlanRunner.ExecuteAsync(plan, _fx.Store, CancellationToken.None);

        Assert.Equal(between, await _fx.FingerprintsAsync(Tables));
        Assert.All(again.Where(r => r.Action is PlanAction.Update or PlanAction.Delete or PlanAction.Rewrite), r => Assert.Equal(0, r.Rows));
    }

    [Fact]
    public async Task Erasure_WithAPlaceholderKey_IsRefusedBeforeAnythingChanges()
    {
        var before = await _fx.FingerprintsAsync(Tables);
        var plan = _fx.Planner().Erase(IdentityKind.UserId, Alice, Pseudonyms.Placeholder);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PlanRunner.ExecuteAsync(plan, _fx.Store, CancellationToken.None));

        Assert.Contains("placeholders", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await _fx.FingerprintsAsync(Tables));
    }

    [Fact]
    public async Task Pseudonym_IsTheSameWhetherThePersonWasFoundByEmailOrByPhone()
    {
        await using var other = await FixtureStore.CreateAsync("federated");
        const string Creator = "select creator from rooms where room_id = '!r1:example.org'";

        await PlanRunner.ExecuteAsync(_fx.Planner().Erase(IdentityKind.Email, "ALICE@mail.example", TestKeys.Pseudonyms), _fx.Store, CancellationToken.None);
        await PlanRunner.ExecuteAsync(other.Planner().Erase(IdentityKind.Phone, "447700900123", TestKeys.Pseudonyms), other.Store, CancellationToken.None);

        var byEmail = await _fx.TruthAsync(Creator);
        Assert.Equal(byEmail, await other.TruthAsync(Creator));
        Assert.NotEqual([Alice], byEmail);
    }

    [Fact]
    public async Task Erasure_OfAnIdentityMatchingNobody_ChangesNothing()
    {
        var before = await _fx.FingerprintsAsync(Tables);

        var results = await PlanRunner.ExecuteAsync(_fx.Planner().Erase(IdentityKind.Email, "nobody@mail.example", TestKeys.Pseudonyms), _fx.Store, CancellationToken.None);

        Assert.All(results.Where(r => r.Action is PlanAction.Update or PlanAction.Delete or PlanAction.Rewrite), r => Assert.Equal(0, r.Rows));
        Assert.Equal(before, await _fx.FingerprintsAsync(Tables));
    }
}
