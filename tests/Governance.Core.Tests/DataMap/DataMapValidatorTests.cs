using Governance.Core.DataMap;

namespace Governance.Core.Tests.DataMap;

/// <summary>The rules of round 2's constructs: identities in other tables, JSON paths, patterns, derivations, field options.</summary>
public sealed class DataMapValidatorTests
{
    private static List<DataMapProblem> Problems(string yaml)
    {
        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load("test.yaml", yaml, problems);
        Assert.True(problems.Count == 0 || map is null, "a map with problems must not be returned");
        return problems;
    }

    private const string ThirdPartyIds = """
        version: 1
        name: tp
        identities:
          - { kind: user-id, collection: people, column: id }
          - { kind: email, collection: contacts, column: address, when: { column: medium, equals: email } }
        collections:
          - name: people
            key: id
            subject: true
            row_erasure: delete
          - name: contacts
            key: [medium, address]
            row_erasure: delete
            references:
        REFS
            fields:
              - { column: address, category: contact, erasure: delete-row }
        """;

    [Fact]
    public void IdentityInAnotherTable_NeedsExactlyOneReferenceToThePerson_OrVia()
    {
        var none = Problems(ThirdPartyIds.Replace("REFS", "      - { column: note, to: people, relation: about, pattern: '(?<id>u-[a-z]+)' }", StringComparison.Ordinal));
        var two = Problems(ThirdPartyIds.Replace("REFS", "      - { column: owner, to: people, relation: owner }\n      - { column: added_by, to: people, relation: about }", StringComparison.Ordinal));
        var via = Problems(ThirdPartyIds.Replace("REFS", "      - { column: owner, to: people, relation: owner }\n      - { column: added_by, to: people, relation: about }", StringComparison.Ordinal)
            .Replace("equals: email } }", "equals: email }, via: owner }", StringComparison.Ordinal));

        Assert.Contains(none, p => p.Message.Contains("cannot reach the person", StringComparison.Ordinal) && p.Where.Line == 5);
        Assert.Contains(two, p => p.Message.Contains("name the one to follow with via", StringComparison.Ordinal));
        Assert.Empty(via);
    }

    [Theory]
    [InlineData("display_name", null)]
    [InlineData("nickname", "'nickname' is not a field of 'people'")]
    [InlineData("{ collection: contacts, column: address }", null)]
    [InlineData("{ collection: rooms, column: address }", "'rooms' is not a collection of this map")]
    [InlineData("{ collection: contacts, column: medium }", "'medium' is not a field of 'contacts'")]
    public void CustodianName_IsAPersonalFieldOfThePeople_OrOfACollectionThatPointsAtThem(string named, string? problem)
    {
        var yaml = ThirdPartyIds.Replace("REFS", "      - { column: owner, to: people, relation: owner }", StringComparison.Ordinal)
            .Replace("    row_erasure: delete\n  - name: contacts", "    row_erasure: delete\n    fields:\n      - { column: display_name, category: contact, erasure: set-null }\n  - name: contacts", StringComparison.Ordinal)
            + "\nholds:\n  custodian_name: " + named + "\n";

        var problems = Problems(yaml);

        if (problem is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            var only = Assert.Single(problems);
            Assert.Contains(problem, only.Message, StringComparison.Ordinal);
            Assert.Equal(yaml.Split('\n').ToList().FindIndex(l => l.StartsWith("  custodian_name:", StringComparison.Ordinal)) + 1, only.Where.Line);
        }
    }

    [Theory]
    [InlineData("json_path: $.a..b", "json_path '$.a..b'")]
    [InlineData("json_path: '$.a[0]'", "json_path '$.a[0]'")]
    [InlineData("pattern: '(?<name>x)'", "named groups id")]
    [InlineData("pattern: '(?<id>x'", "not a valid regular expression")]
    [InlineData("derive: 'u:{id}'", "derive 'u:{id}'")]
    [InlineData("json_path: $.a, pattern: '(?<id>x)'", "either json_path or pattern")]
    [InlineData("array: true, json_path: $.a", "write [*] in the json_path")]
    public void ReferenceOptions_ThatCannotWork_AreRefusedAtTheirLine(string option, string expected)
    {
        var yaml = ThirdPartyIds.Replace("REFS", "      - { column: owner, to: people, relation: owner }\n      - { column: note, to: people, relation: mentioned, " + option + " }", StringComparison.Ordinal);

        var problems = Problems(yaml);

        var line = yaml.Split('\n').Select((l, i) => (l, i + 1)).First(x => x.l.Contains("column: note", StringComparison.Ordinal)).Item2;
        Assert.Contains(problems, p => p.Message.Contains(expected, StringComparison.Ordinal) && p.Where.Line == line);
    }

    [Theory]
    [InlineData("{ column: doc, json_path: $.body, category: content, erasure: replace, replacement: x, when: { json_path: '$.t[*]', equals: m } }", "without [*]")]
    [InlineData("{ column: doc, category: content, erasure: set-null, when: { column: kind, equals: m } }", "'when' applies to keys inside a JSON document")]
    [InlineData("{ column: doc, category: content, erasure: set-null, pseudonym: '{alnum:5}' }", "has a pseudonym format but its erasure is set-null")]
    [InlineData("{ column: doc, category: content, erasure: pseudonymise, pseudonym: '{alnum:x}' }", "Pseudonym format '{alnum:x}'")]
    [InlineData("{ column: doc, json_path: $.a, category: content, erasure: set-null }\n      - { column: doc, category: content, erasure: set-null }", "listed both whole and by keys")]
    public void FieldOptions_ThatCannotWork_AreRefused(string field, string expected)
    {
        var yaml = ThirdPartyIds.Replace("REFS", "      - { column: owner, to: people, relation: owner }", StringComparison.Ordinal)
            .Replace("      - { column: address, category: contact, erasure: delete-row }", "      - { column: address, category: contact, erasure: delete-row }\n      - " + field, StringComparison.Ordinal)
            .Replace("row_erasure: delete\n            references:\n      - { column: owner", "row_erasure: keep\n            legal_basis: x\n            references:\n      - { column: owner", StringComparison.Ordinal);

        Assert.Contains(Problems(yaml), p => p.Message.Contains(expected, StringComparison.Ordinal));
    }
}
