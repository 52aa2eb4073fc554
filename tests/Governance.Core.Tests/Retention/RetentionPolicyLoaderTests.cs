using Governance.Core.DataMap;
using Governance.Core.Retention;
using Governance.Tests.Support;

namespace Governance.Core.Tests.Retention;

/// <summary>Retention files read strictly against the reference data map: each bad rule named with file:line:column, nothing in force until all are valid.</summary>
public sealed class RetentionPolicyLoaderTests
{
    private static readonly IReadOnlyList<DataMapDocument> Maps = DataMapLoader.LoadDirectory(RepositoryFolders.Policies()).Maps;

    private const string Good = """
        version: 1
        map: chat
        rules:
          - name: messages-default
            collection: messages
            age: P2Y
            action: delete
            schedule: "0 2 * * *"
            why: kept two years
        """;

    private static (IReadOnlyList<RetentionRule> Rules, List<DataMapProblem> Problems) Load(string text)
    {
        var problems = new List<DataMapProblem>();
        var rules = RetentionPolicyLoader.Load("retention/test.yaml", text, Maps, ["eu", "us", "cn"], problems);
        return (rules, problems);
    }

    /// <summary>Anonymise where the map says how every personal field is made anonymous; refused where rows are deleted on erasure or carry files.</summary>
    [Theory]
    [InlineData("users", null)]
    [InlineData("attachments", "rows are deleted on erasure")]
    [InlineData("sessions", "rows are deleted on erasure")]
    public void Anonymise_IsAllowedOnlyWhereTheMapSaysHowEveryFieldBecomesAnonymous(string collection, string? says)
    {
        var (rules, problems) = Load(Good.Replace("collection: messages", $"collection: {collection}", StringComparison.Ordinal).Replace("action: delete", "action: anonymise", StringComparison.Ordinal));

        if (says is null)
        {
            Assert.Empty(problems);
            Assert.Equal(RetentionAction.Anonymise, Assert.Single(rules).Action);
        }
        else
        {
            var problem = Assert.Single(problems);
            Assert.Equal(7, problem.Where.Line);
            Assert.Contains(says, problem.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A rule whose one line is replaced: the problem must name that line and say what is wrong.</summary>
    [Theory]
    [InlineData("    age: P2Y", "    age: -P1D", 6, "negative")]
    [InlineData("    age: P2Y", "    age: P0D", 6, "shorter than an hour")]
    [InlineData("    age: P2Y", "    age: two years", 6, "ISO 8601")]
    [InlineData("    collection: messages", "    collection: telegrams", 5, "no collection 'telegrams'")]
    [InlineData("    collection: messages", "    collection: call_participants", 5, "composite key")]
    [InlineData("    collection: messages", "    collection: users", 7, "not deleted by age")]
    [InlineData("    action: delete", "    action: shred", 7, "shred")]
    [InlineData("    action: delete", "    action: anonymise", 7, "points at a person whose own row stays")]
    [InlineData("    schedule: \"0 2 * * *\"", "    schedule: \"0 0 30 2 *\"", 8, "never fires")]
    [InlineData("    schedule: \"0 2 * * *\"", "    schedule: \"daily\"", 8, "five fields")]
    [InlineData("    schedule: \"0 2 * * *\"", "    schedule: \"0 25 * * *\"", 8, "not a valid cron")]
    [InlineData("    why: kept two years", "    whyy: kept two years", 9, "whyy")]
    [InlineData("  - name: messages-default", "  - name: Messages by default", 4, "lower-case letters")]
    [InlineData("    why: kept two years", "    why: kept two years\n    colour: blue", 10, "colour")]
    [InlineData("    collection: messages", "    collection: messages\n    store: mars", 6, "no store 'mars'")]
    [InlineData("    collection: messages", "    collection: messages\n    region: moon", 6, "region 'moon'")]
    [InlineData("    collection: messages", "    collection: messages\n    store: eu\n    region: eu", 7, "both a store and a region")]
    [InlineData("    collection: messages", "    collection: messages\n    conversation_kind: broadcast", 6, "not a conversation kind")]
    [InlineData("    collection: messages", "    collection: devices\n    tenant: \"1\"", 6, "do not lead to a tenant")]
    public void BadRule_IsRefusedWithItsLine_AndNoRuleComesOfIt(string line, string replacement, int expectedLine, string says)
    {
        Assert.Contains(line, Good, StringComparison.Ordinal);
        var (rules, problems) = Load(Good.Replace(line, replacement, StringComparison.Ordinal));

        var problem = Assert.Single(problems, p => p.Message.Contains(says, StringComparison.Ordinal));
        Assert.Equal(("retention/test.yaml", expectedLine), (problem.Where.File, problem.Where.Line));
        Assert.True(problem.Where.Column > 0);
        Assert.Empty(rules);
    }

    [Theory]
    [InlineData("    age: P36M", "    age: P12M", 6, "at least 24 months")]
    [InlineData("    action: anonymise", "    action: delete", 7, "use 'anonymise'")]
    [InlineData("    collection: closed-requests", "    collection: chat-logs", 5, "no records named 'chat-logs'")]
    [InlineData("    collection: closed-requests", "    collection: closed-requests\n    store: eu", 6, "store")]
    public void BadConsoleRule_IsRefusedWithItsLine(string line, string replacement, int expectedLine, string says)
    {
        const string console = """
            version: 1
            map: console
            rules:
              - name: closed
                collection: closed-requests
                age: P36M
                action: anonymise
                schedule: "0 4 * * 0"
                why: kept three years
            """;
        Assert.Empty(Load(console).Problems);
        var (rules, problems) = Load(console.Replace(line, replacement.Replace("\\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal));

        var problem = Assert.Single(problems, p => p.Message.Contains(says, StringComparison.Ordinal));
        Assert.Equal(expectedLine, problem.Where.Line);
        Assert.Empty(rules);
    }

    [Fact]
    public void TwoRulesForOneScopeAtOneLevel_OrOfOneName_AreRefusedAcrossFiles_AndNothingIsInForce()
    {
        var folder = Directory.CreateTempSubdirectory("retention-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "a.yaml"), Good);
            File.WriteAllText(Path.Combine(folder, "b.yaml"), Good.Replace("messages-default", "messages-again", StringComparison.Ordinal).Replace("P2Y", "P3Y", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(folder, "c.yaml"), Good.Replace("collection: messages", "collection: sessions", StringComparison.Ordinal));

            var policy = RetentionPolicyLoader.LoadDirectory(folder, Maps);

            Assert.Empty(policy.Rules);
            Assert.Equal(2, policy.Problems.Count);
            var scope = Assert.Single(policy.Problems, p => p.Message.Contains("at the same level", StringComparison.Ordinal));
            Assert.EndsWith("b.yaml", scope.Where.File, StringComparison.Ordinal);
            Assert.Equal(4, scope.Where.Line);
            var name = Assert.Single(policy.Problems, p => p.Message.Contains("also named 'messages-default'", StringComparison.Ordinal));
            Assert.EndsWith("c.yaml", name.Where.File, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void NarrowerScopes_AreOtherLevels_AndTheRuleReadsAsWritten()
    {
        var text = Good + """

              - name: direct
                collection: messages
                conversation_kind: direct
                age: P1Y6M
                action: delete
                schedule: "0 2 * * *"
                approval: true
                why: direct conversations
              - name: eu-only
                collection: messages
                store: eu
                age: P18M
                action: delete
                schedule: "0 2 * * *"
                why: the eu store
            """;
        var (rules, problems) = Load(text);

        Assert.Empty(problems);
        Assert.Equal(["messages-default", "direct", "eu-only"], rules.Select(r => r.Name));
        var direct = rules[1];
        Assert.Equal((RetentionLevel.ConversationKind, true, RetentionAction.Delete), (direct.Level, direct.NeedsApproval, direct.Action));
        Assert.Equal(((int)RetentionLevel.Store, 1), rules[2].Specificity);
        Assert.True(rules[2].Specificity.CompareTo(rules[0].Specificity) > 0);
        Assert.True(rules[2].Covers("eu", "eu") && !rules[2].Covers("us", "us"));
        // Calendar arithmetic: one year and six months back from 31 August is 28 February (not 545 days).
        Assert.Equal(new DateTimeOffset(2025, 2, 28, 12, 0, 0, TimeSpan.Zero), direct.Age.CutoffFrom(new DateTimeOffset(2026, 8, 31, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal("1 year, 6 months", direct.Age.Words);
    }

    [Fact]
    public void ThePoliciesFolder_IsValidatedByKind_RegulationsNotReadAsADataMap()
    {
        var root = Path.GetDirectoryName(RepositoryFolders.Policies())!;
        var (kinds, maps) = PolicyFolder.Validate(root);

        Assert.True(maps.Valid);
        Assert.Equal(["data maps", "regulations", "letters", "retention"], kinds.Select(k => k.Kind));
        Assert.All(kinds, k => Assert.Empty(k.Problems));
        // And a broken rule in a copy of the folder is reported under retention with its file and line.
        var copy = Directory.CreateTempSubdirectory("policies-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(copy, Path.GetRelativePath(root, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }

            var rules = Path.Combine(copy, "retention", "chat.yaml");
            var lines = File.ReadAllLines(rules);
            var at = Array.FindIndex(lines, l => l.Trim() == "age: P2Y");
            lines[at] = lines[at].Replace("P2Y", "P-2Y", StringComparison.Ordinal);
            File.WriteAllLines(rules, lines);

            var broken = PolicyFolder.Validate(copy).Kinds.Single(k => k.Kind == "retention");
            var problem = Assert.Single(broken.Problems);
            Assert.Equal(at + 1, problem.Where.Line);
            Assert.Contains("negative", problem.Message, StringComparison.Ordinal);

            // A letter with an unknown placeholder, and a regime left without its withdrawal letter in Chinese.
            File.AppendAllText(Path.Combine(copy, "letters", "gdpr", "refused.en.txt"), "Dear {{first_name}},\n");
            File.Delete(Path.Combine(copy, "letters", "withdrawn.zh.txt"));
            var letters = PolicyFolder.Validate(copy).Kinds.Single(k => k.Kind == "letters").Problems;
            var placeholder = Assert.Single(letters, p => p.Message.Contains("first_name", StringComparison.Ordinal));
            Assert.Equal(File.ReadAllLines(Path.Combine(copy, "letters", "gdpr", "refused.en.txt")).Length, placeholder.Where.Line);
            Assert.Equal(3, letters.Count(p => p.Message.Contains("No withdrawn letter in 'zh'", StringComparison.Ordinal))); // gdpr, ccpa, pipl
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
