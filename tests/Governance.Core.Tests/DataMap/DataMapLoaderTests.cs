using Governance.Core.DataMap;

namespace Governance.Core.Tests.DataMap;

public sealed class DataMapLoaderTests
{
    public static string PoliciesFolder() => Governance.Tests.Support.RepositoryFolders.Policies();

    private const string Minimal = """
        version: 1
        name: mini
        identities:
          - kind: user-id
            collection: people
            column: id
        collections:
          - name: people
            key: [id]
            row_erasure: delete
            fields:
              - { column: email, category: contact, erasure: delete-row }
        """;

    private static List<DataMapProblem> Problems(string yaml)
    {
        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load("test.yaml", yaml, problems);
        Assert.True(problems.Count == 0 || map is null, "a map with problems must not be returned");
        return problems;
    }

    [Fact]
    public void ShippedMap_LoadsWithoutProblems()
    {
        var set = DataMapLoader.LoadDirectory(PoliciesFolder());

        Assert.Empty(set.Problems);
        var chat = Assert.Single(set.Maps);
        Assert.Equal(["eu", "us", "cn"], chat.Stores);
        Assert.Equal(14, chat.Collections.Count);
        Assert.Equal(FieldErasure.Replace, chat.Find("messages")!.Fields.Single(f => f.Column == "body").Erasure);
    }

    [Fact]
    public void Minimal_LoadsWithItsParts()
    {
        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load("test.yaml", Minimal, problems);

        Assert.Empty(problems);
        var people = Assert.Single(map!.Collections);
        Assert.Equal(("public", "people"), people.QualifiedTable);
        Assert.Equal(new SourceLocation("test.yaml", 12, 9), people.Fields[0].Where);
    }

    [Theory]
    [InlineData("wrong indentation", "version: 1\nname: x\nidentities:\n  - kind: user-id\n    collection: people\n     column: id\n", 6, "Not valid YAML")]
    [InlineData("duplicate key", "version: 1\nname: x\nname: y\nidentities: []\ncollections: []\n", 3, "Duplicate key")]
    [InlineData("unknown key", "version: 1\nname: x\ncolour: blue\nidentities: []\ncollections: []\n", 3, "Unknown key 'colour'")]
    [InlineData("wrong type", "version: 1\nname: x\nidentities: []\ncollections: people\n", 4, "'collections' must be a list")]
    [InlineData("key not a list", "version: 1\nname: x\nidentities: []\ncollections:\n  - name: a\n    key: { id: 1 }\n    row_erasure: delete\n", 6, "'key' in collection 'a' must be a name or a list of names")]
    [InlineData("unknown category", "version: 1\nname: x\nidentities: []\ncollections:\n  - name: a\n    key: id\n    row_erasure: delete\n    fields:\n      - { column: email, category: secret, erasure: delete-row }\n", 9, "'secret' is not a known category")]
    [InlineData("personal field without erasure", "version: 1\nname: x\nidentities: []\ncollections:\n  - name: a\n    key: id\n    row_erasure: delete\n    fields:\n      - { column: email, category: contact }\n", 9, "needs 'erasure'")]
    [InlineData("reference to nothing", "version: 1\nname: x\nidentities: []\ncollections:\n  - name: a\n    key: id\n    row_erasure: delete\n    references:\n      - { column: owner_id, to: ghosts }\n", 9, "'ghosts', which is not a collection")]
    [InlineData("kept without basis", "version: 1\nname: x\nidentities: []\ncollections:\n  - name: a\n    key: id\n    row_erasure: keep\n", 5, "state the legal basis")]
    [InlineData("replace without text", "version: 1\nname: x\nidentities: []\ncollections:\n  - name: a\n    key: id\n    row_erasure: delete\n    fields:\n      - { column: body, category: content, erasure: replace }\n", 9, "give the replacement text")]
    [InlineData("identifier with sql", "version: 1\nname: x\nidentities: []\ncollections:\n  - name: a\n    table: \"users; drop table users\"\n    key: id\n    row_erasure: delete\n", 5, "must be a name or schema.name")]
    public void Load_EachKindOfMistake_GivesItsOwnLocatedError(string kind, string yaml, int line, string message)
    {
        var problems = Problems(yaml);

        Assert.True(problems.Any(p => p.Where.Line == line && p.Message.Contains(message, StringComparison.Ordinal)),
            $"{kind}: expected line {line} with '{message}', got: {string.Join(" | ", problems)}");
    }

    [Fact]
    public void Load_CycleOfDeletingCollections_HasNoDeleteOrder()
    {
        var problems = Problems("""
            version: 1
            name: x
            identities:
              - { kind: user-id, collection: a, column: id }
            collections:
              - name: a
                key: id
                row_erasure: delete
                references:
                  - { column: b_id, to: b }
              - name: b
                key: id
                row_erasure: delete
                references:
                  - { column: a_id, to: a }
            """);

        var cycle = Assert.Single(problems);
        Assert.Contains("a -> b -> a", cycle.Message, StringComparison.Ordinal);
        Assert.Equal(10, cycle.Where.Line);
    }

    [Fact]
    public void LoadDirectory_OneBadFile_LoadsNothingAndReportsAllProblems()
    {
        var dir = Directory.CreateTempSubdirectory("datamap-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "good.yaml"), Minimal);
            File.WriteAllText(Path.Combine(dir.FullName, "bad.yaml"), "version: 2\nname: Bad Name\nidentities: []\ncollections: []\n");

            var set = DataMapLoader.LoadDirectory(dir.FullName);

            Assert.Empty(set.Maps);
            Assert.Equal(3, set.Problems.Count); // version, name, no user-id identity
            Assert.All(set.Problems, p => Assert.EndsWith("bad.yaml", p.Where.File, StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

public sealed class DataMapDocumentationTests
{
    [Fact]
    public void ExampleOfAnotherSchema_InDocsDatamap_IsAValidMap()
    {
        var folder = Directory.GetParent(DataMapLoaderTests.PoliciesFolder())!.Parent!.FullName;
        var text = File.ReadAllText(Path.Combine(folder, "docs", "datamap.md"));
        var start = text.IndexOf("```yaml", text.IndexOf("## Another schema", StringComparison.Ordinal), StringComparison.Ordinal) + "```yaml".Length;
        var yaml = text[start..text.IndexOf("```", start, StringComparison.Ordinal)];

        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load("docs/datamap.md", yaml, problems);

        Assert.Empty(problems);
        var rooms = map!.Find("rooms")!;
        Assert.Contains(rooms.References, r => r.Array && r.To == "accounts");
        Assert.Contains(rooms.References, r => r.Pattern is not null);
        Assert.Contains(map.Find("events")!.References, r => r.JsonPath == "$.author");
    }
}

public sealed class DataMapGraphTests
{
    [Fact]
    public void Svg_ShippedMap_IsWellFormedWithANodePerCollectionAndAnArrowPerReference()
    {
        var map = Assert.Single(DataMapLoader.LoadDirectory(DataMapLoaderTests.PoliciesFolder()).Maps);

        var svg = System.Xml.Linq.XDocument.Parse(DataMapGraph.Svg(map));

        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(map.Collections.Select(c => c.Name).Order(), svg.Descendants(ns + "g").Select(g => (string)g.Attribute("data-collection")!).Order());
        var arrows = svg.Descendants(ns + "path").Where(p => p.Attribute("data-from") is not null).ToList();
        Assert.Equal(map.Collections.Sum(c => c.References.Count), arrows.Count);
        Assert.Equal(map.Collections.Sum(c => c.References.Count(r => r.Relation != Relation.Link)),
            arrows.Count(a => (string)a.Attribute("marker-end")! == "url(#arrow-person)"));
    }

    /// <summary>The worked examples in docs/datamap.md are lines of the fixture maps that the ground-truth tests run, so they cannot drift from what works.</summary>
    [Fact]
    public void WorkedExamples_InDocsDatamap_AreLinesOfTheTestedFixtureMaps()
    {
        var folder = Directory.GetParent(DataMapLoaderTests.PoliciesFolder())!.Parent!.FullName;
        var text = File.ReadAllText(Path.Combine(folder, "docs", "datamap.md"));
        var examples = text[text.IndexOf("## Identities", StringComparison.Ordinal)..text.IndexOf("## Pseudonyms", StringComparison.Ordinal)];
        var fixtures = Directory.GetFiles(FixtureStore.Folder, "*.yaml").SelectMany(File.ReadAllLines).Select(Bare).ToHashSet(StringComparer.Ordinal);
        var checkedLines = 0;
        for (var at = examples.IndexOf("```yaml", StringComparison.Ordinal); at >= 0; at = examples.IndexOf("```yaml", at + 1, StringComparison.Ordinal))
        {
            var body = examples[(at + 7)..examples.IndexOf("```", at + 7, StringComparison.Ordinal)];
            foreach (var line in body.Split('\n').Select(Bare).Where(l => l.Length > 0))
            {
                Assert.True(fixtures.Contains(line), $"docs/datamap.md shows a line that no fixture map has: {line}");
                checkedLines++;
            }
        }

        Assert.True(checkedLines > 30, $"only {checkedLines} example lines found");

        static string Bare(string line)
        {
            var hash = line.IndexOf("  #", StringComparison.Ordinal);
            return (hash >= 0 ? line[..hash] : line).Trim();
        }
    }
}
