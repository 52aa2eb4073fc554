using Dapper;
using Governance.Tests.Support;
using Governance.Core.DataMap;
using Governance.Core.Tests.Demo;
using Npgsql;

namespace Governance.Core.Tests.DataMap;

/// <summary>The shipped map's plans on the seeded reference store, against ground truth queried by hand.</summary>
public sealed class ReferenceStorePlanTests(SeededStores stores) : IClassFixture<SeededStores>
{
    private static DataMapDocument Map() => Assert.Single(DataMapLoader.LoadDirectory(DataMapLoaderTests.PoliciesFolder()).Maps);

    private async Task<(NpgsqlDataSource Store, long Person, string Email)> BusiestPersonAsync()
    {
        var store = stores.Registry.Get("eu").DataSource;
        await using var connection = await store.OpenConnectionAsync();
        var (id, email) = await connection.QuerySingleAsync<(long, string)>(
            "select u.id, u.email from users u join messages m on m.sender_id = u.id group by u.id, u.email order by count(*) desc, u.id limit 1");
        return (store, id, email);
    }

    private static async Task<long[]> TruthAsync(NpgsqlDataSource store, string sql, long person)
    {
        await using var connection = await store.OpenConnectionAsync();
        return (await connection.QueryAsync<long>(sql, new { person })).Order().ToArray();
    }

    private static long[] FirstColumn(IEnumerable<StepPreview> steps) => steps.SelectMany(s => s.Rows).Select(r => Convert.ToInt64(r[0])).Distinct().Order().ToArray();

    [Fact]
    public async Task AccessPlan_ByEmailInOtherCase_ReachesThePersonsMessagesAndTheirConversations()
    {
        var (store, person, email) = await BusiestPersonAsync();
        var plan = new DataMapPlanner(Map(), "eu").Access(IdentityKind.Email, email.ToUpperInvariant());

        var preview = await PlanPreview.RunAsync(plan, store, CancellationToken.None);

        Assert.Equal([person], FirstColumn(preview.Where(s => s.Order == 1)));
        Assert.Equal(await TruthAsync(store, "select id from messages where sender_id = @person", person),
            FirstColumn(preview.Where(s => s.Collection == "messages" && s.Role == StepRole.Own)));
        Assert.Equal(await TruthAsync(store, "select id from messages where mentions @> array[@person]", person),
            FirstColumn(preview.Where(s => s.Collection == "messages" && s.Role == StepRole.PointsAtPerson)));
        Assert.Equal(await TruthAsync(store, """
            select conversation_id from conversation_members where user_id = @person
            union select conversation_id from messages where sender_id = @person
            union select conversation_id from read_receipts where user_id = @person
            union select conversation_id from ai_interactions where user_id = @person and conversation_id is not null
            union select conversation_id from calls where initiator_id = @person
            """, person),
            FirstColumn(preview.Where(s => s.Role == StepRole.Context && s.Collection == "conversations")));
    }

    [Fact]
    public async Task ErasurePlan_Preview_TouchesThePersonsRowsOnly_AndNamesTheirFiles()
    {
        var (store, person, _) = await BusiestPersonAsync();
        var plan = new DataMapPlanner(Map(), "eu").Erase(IdentityKind.UserId, person.ToString(System.Globalization.CultureInfo.InvariantCulture), TestKeys.Pseudonyms);

        var preview = await PlanPreview.RunAsync(plan, store, CancellationToken.None);

        Assert.Equal(await TruthAsync(store, "select id from devices where user_id = @person", person), FirstColumn(preview.Where(s => s.Collection == "devices" && s.Action == PlanAction.Delete)));
        Assert.Equal(await TruthAsync(store, "select id from attachments where uploader_id = @person", person), FirstColumn(preview.Where(s => s.Collection == "attachments" && s.Action == PlanAction.Delete)));
        Assert.Equal(await TruthAsync(store, "select id from messages where sender_id = @person", person),
            FirstColumn(preview.Where(s => s.Collection == "messages" && s.Action == PlanAction.Update && s.Description.Contains("author", StringComparison.Ordinal))));
        var files = preview.Where(s => s.Action == PlanAction.Files).SelectMany(s => s.Rows).Select(r => (string)r[0]!).ToList();
        Assert.Equal((await TruthAsync(store, "select id from attachments where uploader_id = @person", person)).Length, files.Count);
        Assert.All(preview.Where(s => s.Collection == "users" && s.Action == PlanAction.Update), s => Assert.Equal([person], FirstColumn([s])));
        Assert.Contains(plan.Steps, s => s.Collection == "users" && s.Sql.Contains("\"email\" = @pseudonym_person", StringComparison.Ordinal));
        Assert.Equal("pseudonym-{hex:24}", Assert.Single(plan.PseudonymInputs).Format);
    }

    [Fact]
    public async Task PurgePlan_ForMessages_PreviewsExactlyTheBatch_ItsDependants_TheRepliesToUnlink_AndTheFiles()
    {
        var store = stores.Registry.Get("eu").DataSource;
        var plan = new DataMapPlanner(Map(), "eu").Purge("messages");
        var cutoff = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var withCutoff = plan with { Inputs = new Dictionary<string, object?>(plan.Inputs) { [DataMapPlanner.CutoffInput] = cutoff, [DataMapPlanner.BatchInput] = 500 } };

        var preview = await PlanPreview.RunAsync(withCutoff, store, CancellationToken.None);

        // Ground truth from the store's own foreign keys (samples/chatstore/schema.sql): attachments, reactions and read
        // receipts point at messages; a message's reply_to_id points at another message.
        await using var connection = await store.OpenConnectionAsync();
        const string Batch = "(select id from messages where created_at < @cutoff order by id limit 500)";
        async Task<string[]> Truth(string sql) => (await connection.QueryAsync<string>(sql, new { cutoff })).Order(StringComparer.Ordinal).ToArray();
        string[] Shown(PlanAction action, string collection, int column = 0) => preview
            .Where(s => s.Action == action && s.Collection == collection).SelectMany(s => s.Rows)
            .Select(r => Convert.ToString(r[column], System.Globalization.CultureInfo.InvariantCulture)!).Distinct().Order(StringComparer.Ordinal).ToArray();

        var batch = await Truth($"select id::text from {Batch} b");
        Assert.Equal(500, batch.Length);
        Assert.True(await connection.ExecuteScalarAsync<long>("select count(*) from messages where created_at < @cutoff", new { cutoff }) > 500);
        Assert.Equal(batch, Shown(PlanAction.Delete, "messages"));
        Assert.Equal(await Truth($"select id::text from attachments where message_id in {Batch}"), Shown(PlanAction.Delete, "attachments"));
        Assert.Equal(await Truth($"select distinct message_id::text from reactions where message_id in {Batch}"), Shown(PlanAction.Delete, "reactions"));
        Assert.Equal(await Truth($"select distinct conversation_id::text from read_receipts where last_read_message_id in {Batch}"), Shown(PlanAction.Delete, "read_receipts"));
        Assert.Equal(await Truth($"select id::text from messages where reply_to_id in {Batch} and id not in {Batch}"), Shown(PlanAction.Update, "messages"));
        Assert.Equal(await Truth($"select blob_path from attachments where message_id in {Batch}"), Shown(PlanAction.Files, "attachments", 0));

        Assert.All(new[] { "attachments", "reactions" }, c => Assert.NotEmpty(Shown(PlanAction.Delete, c)));
        Assert.NotEmpty(Shown(PlanAction.Update, "messages"));

        // Dependants go before what they depend on.
        var order = plan.Steps.Where(s => s.Action == PlanAction.Delete).Select(s => s.Collection).ToList();
        Assert.Equal("messages", order[^1]);
        Assert.All(["attachments", "reactions", "read_receipts"], c => Assert.True(order.IndexOf(c) is >= 0 and var i && i < order.Count - 1, c));
    }
}
