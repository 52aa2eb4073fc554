using Governance.Core.DataMap;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.DataMap;

/// <summary>The live check refuses what would make a plan fail later, each problem at the line of the key it is about.</summary>
public sealed class LiveSchemaCheckTests : IAsyncLifetime
{
    private const string Schema = """
        create table people (id varchar(26) primary key, handle varchar(20) not null, mail text not null, joined bigint not null);
        create table ids (person varchar(26) not null, kind text not null, value text not null);
        create table notes (nid bigint primary key, author varchar(26) not null, doc text not null, meta jsonb, owner_no bigint);
        insert into people values ('aaaaaaaaaaaaaaaaaaaaaaaaaa', 'ann', 'ann@example.org', 1);
        insert into notes values (1, 'aaaaaaaaaaaaaaaaaaaaaaaaaa', 'plain text, not JSON', '{"k": 1}', 7);
        """;

    private string _cs = "";
    private NpgsqlDataSource _store = null!;

    public async Task InitializeAsync()
    {
        _cs = await TestPostgres.CreateDatabaseWithAsync("live", Schema);
        _store = NpgsqlDataSource.Create(_cs);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_cs);
    }

    private static string Map(string people, string notes, string identities = "") => $$"""
        version: 1
        name: live
        stores: [live]
        identities:
          - { kind: user-id, collection: people, column: id }
        {{identities}}
        collections:
          - name: people
        {{people}}
          - name: notes
            key: nid
            row_erasure: keep
            legal_basis: Shared.
        {{notes}}
        """;

    private const string People = """
            key: id
            subject: true
            row_erasure: delete
            fields:
              - { column: mail, category: contact, erasure: delete-row }
        """;

    private async Task<List<DataMapProblem>> CheckAsync(string yaml)
    {
        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load("live.yaml", yaml, problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return [.. await LiveSchemaCheck.CheckAsync(map!, _store, "live", CancellationToken.None)];
    }

    [Fact]
    public async Task WrongTable_PointsAtTheTableKey_NotAtTheName()
    {
        var yaml = Map("    table: persons\n" + People, "    references:\n      - { column: author, to: people, relation: author }\n    fields:\n      - { column: author, category: metadata, erasure: pseudonymise, pseudonym: \"{alnum:26}\" }");

        var problem = Assert.Single(await CheckAsync(yaml));

        var tableLine = yaml.Split('\n').Select((l, i) => (l, i + 1)).First(x => x.l.Contains("table: persons", StringComparison.Ordinal)).Item2;
        Assert.Equal(tableLine, problem.Where.Line);
        Assert.Contains("persons", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pseudonym_WiderThanAVarcharId_IsRefused_AndOneThatFitsIsNot()
    {
        var wide = Map(People, "    references:\n      - { column: author, to: people, relation: author }\n    fields:\n      - { column: author, category: metadata, erasure: pseudonymise }");
        var fits = wide.Replace("erasure: pseudonymise }", "erasure: pseudonymise, pseudonym: \"{alnum:26}\" }", StringComparison.Ordinal);

        var problem = Assert.Single(await CheckAsync(wide));

        Assert.Contains("do not fit column 'author'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("character varying(26)", problem.Message, StringComparison.Ordinal);
        Assert.Empty(await CheckAsync(fits));
    }

    [Fact]
    public async Task Pseudonym_OfLettersIntoAnIntegerColumn_IsRefused()
    {
        var yaml = Map(People, "    fields:\n      - { column: owner_no, category: metadata, erasure: pseudonymise }");

        Assert.Contains("do not fit column 'owner_no'", Assert.Single(await CheckAsync(yaml)).Message, StringComparison.Ordinal);
        Assert.Empty(await CheckAsync(yaml.Replace("erasure: pseudonymise }", "erasure: pseudonymise, pseudonym: \"{digits:12}\" }", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task JsonPath_OnANumberColumn_AndOnTextThatIsNotJson_AreRefused_OnJsonbAccepted()
    {
        var onNumber = Map(People, "    references:\n      - { column: owner_no, to: people, relation: author, json_path: $.who }\n    fields:\n      - { column: owner_no, category: metadata, erasure: keep, legal_basis: x }");
        var onText = onNumber.Replace("column: owner_no", "column: doc", StringComparison.Ordinal);
        var onJsonb = onNumber.Replace("column: owner_no", "column: meta", StringComparison.Ordinal);

        Assert.Contains("JSON paths need a json, jsonb or text column", Assert.Single(await CheckAsync(onNumber)).Message, StringComparison.Ordinal);
        Assert.Contains("None of 1 sampled values", Assert.Single(await CheckAsync(onText)).Message, StringComparison.Ordinal);
        Assert.Empty(await CheckAsync(onJsonb));
    }

    [Fact]
    public async Task IdentityColumns_AndTargetColumns_MustExist()
    {
        var yaml = Map(People, "    references:\n      - { column: doc, to: people, relation: mentioned, to_column: nickname, pattern: '@(?<id>[a-z]+)' }\n    fields:\n      - { column: doc, category: content, erasure: keep, legal_basis: x }",
            "  - { kind: email, collection: ids, column: address, when: { column: kind, equals: email } }\n");
        yaml = yaml.Replace("collections:\n", "collections:\n  - name: ids\n    key: [kind, value]\n    row_erasure: delete\n    references:\n      - { column: person, to: people, relation: owner }\n    fields:\n      - { column: value, category: contact, erasure: delete-row }\n", StringComparison.Ordinal)
            .Replace("column: address", "column: address", StringComparison.Ordinal);
        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load("live.yaml", yaml, problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        var live = await LiveSchemaCheck.CheckAsync(map!, _store, "live", CancellationToken.None);

        Assert.Contains(live, p => p.Message.Contains("Identity column 'address'", StringComparison.Ordinal));
        Assert.Contains(live, p => p.Message.Contains("to_column 'nickname'", StringComparison.Ordinal));
    }
}
