using Dapper;
using Governance.Core.Audit;
using Governance.Core.DataMap;
using Governance.Core.Holds;
using Governance.Core.Retention;
using Governance.Core.Tests.Erasure;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Retention;

/// <summary>
/// The preview of retention rules on a seeded reference store, against an oracle written here from the documented
/// precedence (conversation, then kind, then tenant, then the store default), over the rows read by hand; and a held
/// conversation's rows counted as kept.
/// </summary>
public sealed class RetentionPreviewTests
{
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:lawyer", ["Legal"]);

    private sealed record Row(long Id, DateTime At, long Conversation, string Kind, long Tenant);

    private sealed record OracleRule(string Name, long? Conversation, string? Kind, long? Tenant, int Days)
    {
        public int Level => Conversation is not null ? 4 : Kind is not null ? 3 : Tenant is not null ? 2 : 1;

        public bool Matches(Row r) => (Conversation is null || r.Conversation == Conversation) && (Kind is null || r.Kind == Kind) && (Tenant is null || r.Tenant == Tenant);
    }

    [Fact]
    public async Task Preview_CountsEachRowPastItsGoverningRuleOnce_OverRandomRuleSets_AndHoldsKeepTheirs()
    {
        await using var world = await ErasureWorld.CreateAsync("retpreview");
        List<Row> rows;
        await using (var eu = new NpgsqlConnection(world.StoreConnections["eu"]))
        {
            rows = (await eu.QueryAsync<Row>("""
                select m.id, m.created_at at time zone 'UTC' as at, m.conversation_id as conversation, c.kind, c.tenant_id as tenant
                from messages m join conversations c on c.id = m.conversation_id
                """)).ToList();
        }

        var newest = rows.Max(r => r.At);
        var oldest = rows.Min(r => r.At);
        var span = Math.Max(2, (int)(newest - oldest).TotalDays);
        var now = new DateTimeOffset(newest.Date.AddDays(1), TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);
        var conversations = rows.Select(r => r.Conversation).Distinct().Order().ToList();
        var tenants = rows.Select(r => r.Tenant).Distinct().Order().ToList();
        var random = new Random(20261130);
        var setup = new RetentionSetup(world, Path.Combine(world.Blobs, "policies"), clock);

        for (var set = 0; set < 12; set++)
        {
            // A default, and some of: a tenant rule, a kind rule, a conversation rule (each its own age).
            var rules = new List<OracleRule> { new("default", null, null, null, random.Next(1, span)) };
            if (random.Next(3) > 0)
            {
                rules.Add(new("tenant", null, null, tenants[random.Next(tenants.Count)], random.Next(1, span)));
            }

            if (random.Next(3) > 0)
            {
                rules.Add(new("kind", null, new[] { "direct", "group", "channel" }[random.Next(3)], null, random.Next(1, span)));
            }

            if (random.Next(3) > 0)
            {
                rules.Add(new("conversation", conversations[random.Next(conversations.Count)], null, null, random.Next(1, span)));
            }

            setup.Rules(RulesText(rules));
            var results = await setup.Preview().RunAsync(null, CancellationToken.None);

            foreach (var rule in rules)
            {
                var expected = rows.Count(r => Governing(rules, r) == rule && r.At < now.UtcDateTime.AddDays(-rule.Days));
                var eu = results.Single(x => x.Rule == rule.Name && x.Store == "eu");
                Assert.True(expected == eu.Due, $"rule set {set}, rule {rule.Name}: expected {expected}, previewed {eu.Due}");
                Assert.Equal(0, eu.Held);
                Assert.Equal(now.UtcDateTime.AddDays(-rule.Days), eu.Cutoff.UtcDateTime);
                Assert.All(eu.Sample, s => Assert.True(s.At.UtcDateTime < eu.Cutoff.UtcDateTime));
                Assert.Equal(Math.Min(RetentionPreview.SampleSize, expected), eu.Sample.Count);
            }
        }

        // A hold on one conversation: its rows past the default's age are counted as kept, and not sampled.
        setup.Rules(RulesText([new("default", null, null, null, 1)]));
        var heldConversation = rows.GroupBy(r => r.Conversation).OrderByDescending(g => g.Count()).First().Key;
        await world.Holds.CreateAsync(new NewHold("Retention test", [new HoldScope(HoldScopeKind.Conversation, heldConversation.ToString(System.Globalization.CultureInfo.InvariantCulture), "eu")], null, null, null), Lawyer, CancellationToken.None);
        var withHold = (await setup.Preview().RunAsync("default", CancellationToken.None)).Single(x => x.Store == "eu");
        var cutoff = now.UtcDateTime.AddDays(-1);
        Assert.Equal(rows.Count(r => r.At < cutoff), withHold.Due);
        Assert.Equal(rows.Count(r => r.At < cutoff && r.Conversation == heldConversation), withHold.Held);
        Assert.True(withHold.Held > 0);
        Assert.DoesNotContain(withHold.Sample, s => rows.Single(r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == s.Key).Conversation == heldConversation);
        Assert.Contains("reactions", withHold.GoWithThem);
        Assert.Contains("attachments files", withHold.GoWithThem);
    }

    /// <summary>The documented precedence, written here: the most specific matching rule, conversation before kind before tenant before default.</summary>
    private static OracleRule Governing(IReadOnlyList<OracleRule> rules, Row row) =>
        rules.Where(r => r.Matches(row)).OrderByDescending(r => r.Level).First();

    private static string RulesText(IReadOnlyList<OracleRule> rules) =>
        string.Concat(rules.Select(r =>
            $"  - name: {r.Name}\n    collection: messages\n    store: eu\n" +
            (r.Tenant is { } t ? $"    tenant: \"{t}\"\n" : "") +
            (r.Kind is { } k ? $"    conversation_kind: {k}\n" : "") +
            (r.Conversation is { } c ? $"    conversation: \"{c}\"\n" : "") +
            $"    age: P{r.Days}D\n    action: delete\n    schedule: \"0 2 * * *\"\n    why: test rule\n"));
}
