using Dapper;
using Governance.Core.DataMap;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.DataMap;

/// <summary>
/// A chat store that looks nothing like the reference one — text ids, no foreign keys, message content in jsonb,
/// members in an array column, direct rooms named after both user ids — is planned from its map alone, and the
/// rows the plans reach are compared with ground truth queried by hand.
/// </summary>
public sealed class GeneralityTests : IAsyncLifetime
{
    internal const string Schema = """
        create table accounts (uid text primary key, mail text not null, nick text, joined timestamptz not null);
        create table rooms (rid text primary key, title text, member_uids text[] not null);
        create table events (eid text primary key, rid text not null, doc jsonb not null, ts timestamptz not null);
        create table api_tokens (tid text primary key, holder text not null, secret text not null);
        insert into accounts values
            ('u-ann', 'Ann@Example.org', 'ann', now()), ('u-bo', 'bo@example.org', 'bo', now()), ('u-cy', 'cy@example.org', 'cy', now()),
            ('u-annex', 'annex@example.org', 'annex', now());
        insert into rooms values
            ('dm:u-ann:u-bo', null, '{u-ann,u-bo}'), ('dm:u-bo:u-cy', null, '{u-bo,u-cy}'), ('grp-1', 'Planning', '{u-ann,u-bo,u-cy}'),
            ('grp-2', 'Annex', '{u-annex,u-cy}'), ('dm:u-annex:u-bo', null, '{u-annex,u-bo}');
        insert into events values
            ('e1', 'dm:u-ann:u-bo', '{"author": "u-ann", "text": "hi bo"}', now()),
            ('e2', 'dm:u-ann:u-bo', '{"author": "u-bo", "text": "hi ann"}', now()),
            ('e3', 'grp-1', '{"author": "u-ann", "text": "agenda"}', now()),
            ('e4', 'grp-1', '{"author": "u-cy", "text": "ok"}', now()),
            ('e5', 'grp-2', '{"author": "u-annex", "text": "not ann"}', now()),
            ('e6', 'dm:u-bo:u-cy', '{"author": "u-bo", "text": "private"}', now());
        insert into api_tokens values ('t1', 'u-ann', 's1'), ('t2', 'u-ann', 's2'), ('t3', 'u-bo', 's3');
        """;

    internal const string Map = """
        version: 1
        name: other-chat
        stores: [legacy]
        identities:
          - { kind: user-id, collection: accounts, column: uid }
          - { kind: email, collection: accounts, column: mail, match: case-insensitive }
        collections:
          - name: accounts
            key: uid
            subject: true
            row_erasure: delete
            fields:
              - { column: mail, category: contact, erasure: delete-row }
              - { column: nick, category: contact, erasure: delete-row }
          - name: rooms
            key: rid
            row_erasure: keep
            legal_basis: A room belongs to all its members.
            references:
              - { column: member_uids, to: accounts, relation: participant, array: true }
              - { column: rid, to: accounts, relation: participant, pattern: "^dm:(?<id>[^:]+):(?<id2>[^:]+)$" }
            fields:
              - { column: member_uids, category: metadata, erasure: pseudonymise }
              - { column: rid, category: metadata, erasure: keep, legal_basis: The key of a direct room. }
          - name: events
            key: eid
            shared: true
            dated_by: ts
            row_erasure: keep
            legal_basis: Part of the other members' history.
            references:
              - { column: doc, to: accounts, relation: author, json_path: "$.author" }
              - { column: rid, to: rooms }
            fields:
              - { column: doc, category: content, erasure: replace, replacement: "{\"text\": \"[deleted]\"}" }
          - name: api_tokens
            key: tid
            row_erasure: delete
            references:
              - { column: holder, to: accounts, relation: owner }
            fields:
              - { column: secret, category: credentials, erasure: delete-row }
        """;

    private string _cs = "";
    private NpgsqlDataSource _store = null!;
    private DataMapDocument _map = null!;

    public async Task InitializeAsync()
    {
        _cs = await TestPostgres.CreateDatabaseAsync("other");
        _store = NpgsqlDataSource.Create(_cs);
        await using var connection = await _store.OpenConnectionAsync();
        await connection.ExecuteAsync(Schema);
        var problems = new List<DataMapProblem>();
        _map = DataMapLoader.Load("other.yaml", Map, problems)!;
        Assert.Empty(problems);
        Assert.Empty(await LiveSchemaCheck.CheckAsync(_map, _store, "legacy", CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_cs);
    }

    private async Task<string[]> TruthAsync(string sql)
    {
        await using var connection = await _store.OpenConnectionAsync();
        return (await connection.QueryAsync<string>(sql)).Order(StringComparer.Ordinal).ToArray();
    }

    private static string[] Keys(IEnumerable<StepPreview> steps, string collection, PlanAction action) =>
        steps.Where(s => s.Collection == collection && s.Action == action).SelectMany(s => s.Rows).Select(r => (string)r[0]!)
            .Distinct().Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task AccessPlan_ByEmailInAnyCase_ReachesExactlyThePersonsRows()
    {
        var plan = new DataMapPlanner(_map, "legacy").Access(IdentityKind.Email, "ANN@example.ORG");

        var preview = await PlanPreview.RunAsync(plan, _store, CancellationToken.None);

        Assert.Equal(["u-ann"], Keys(preview.Where(s => s.Role == StepRole.Own), "accounts", PlanAction.Select));
        Assert.Equal(await TruthAsync("select rid from rooms where 'u-ann' = any(member_uids) or rid like 'dm:u-ann:%' or rid like 'dm:%:u-ann'"),
            Keys(preview.Where(s => s.Role == StepRole.Own), "rooms", PlanAction.Select));
        Assert.Equal(await TruthAsync("select eid from events where doc ->> 'author' = 'u-ann'"),
            Keys(preview.Where(s => s.Role == StepRole.Own), "events", PlanAction.Select));
        Assert.Equal(await TruthAsync("select tid from api_tokens where holder = 'u-ann'"), Keys(preview, "api_tokens", PlanAction.Select));
        // Context: the rooms of the person's own events, not others' events.
        Assert.Equal(["dm:u-ann:u-bo", "grp-1"], Keys(preview.Where(s => s.Role == StepRole.Context), "rooms", PlanAction.Select));
        Assert.DoesNotContain(preview.SelectMany(s => s.Rows), r => r.Contains("e6") || r.Contains("e5"));
    }

    [Fact]
    public async Task ErasurePlan_TouchesExactlyThePersonsRows_AndLeavesTheLookAlikeAlone()
    {
        var plan = new DataMapPlanner(_map, "legacy").Erase(IdentityKind.UserId, "u-ann", TestKeys.Pseudonyms);

        var preview = await PlanPreview.RunAsync(plan, _store, CancellationToken.None);

        Assert.Equal(await TruthAsync("select tid from api_tokens where holder = 'u-ann'"), Keys(preview, "api_tokens", PlanAction.Delete));
        Assert.Equal(["u-ann"], Keys(preview, "accounts", PlanAction.Delete));
        Assert.Equal(await TruthAsync("select eid from events where doc ->> 'author' = 'u-ann'"), Keys(preview, "events", PlanAction.Update));
        Assert.Equal(await TruthAsync("select rid from rooms where 'u-ann' = any(member_uids)"),
            Keys(preview.Where(s => s.Role == StepRole.Change), "rooms", PlanAction.Update));
        Assert.DoesNotContain(preview.SelectMany(s => s.Rows), r => r.Contains("u-annex") || r.Contains("grp-2") || r.Contains("e5"));

        // Tokens go before the account they belong to; the account goes last.
        var orders = preview.Where(s => s.Action == PlanAction.Delete).Select(s => s.Collection).ToList();
        Assert.True(orders.IndexOf("api_tokens") < orders.IndexOf("accounts"));
    }

    [Fact]
    public async Task ErasurePlan_Executed_LeavesNoTraceOfThePersonAndOthersIntact()
    {
        var plan = new DataMapPlanner(_map, "legacy").Erase(IdentityKind.Email, "ann@example.org", TestKeys.Pseudonyms);
        await PlanRunner.ExecuteAsync(plan, _store, CancellationToken.None);

        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(_cs, """
            select (select count(*) from accounts where uid = 'u-ann') + (select count(*) from api_tokens where holder = 'u-ann')
                 + (select count(*) from rooms where 'u-ann' = any(member_uids)) + (select count(*) from events where doc::text like '%u-ann"%' or doc::text like '%agenda%')
            """));
        Assert.Equal(3, await TestPostgres.ScalarAsync<long>(_cs, "select count(*) from accounts"));
        Assert.Equal(6, await TestPostgres.ScalarAsync<long>(_cs, "select count(*) from events"));
        Assert.Equal("ok", await TestPostgres.ScalarAsync<string>(_cs, "select doc ->> 'text' from events where eid = 'e4'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(_cs, "select count(*) from rooms where rid = 'grp-1' and member_uids[2:3] = '{u-bo,u-cy}' and member_uids[1] like 'pseudonym-%'"));
    }
}
