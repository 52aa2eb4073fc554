using Dapper;
using Governance.Core.DataMap;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.DataMap;

/// <summary>Planner defects found in review, each pinned by a small schema and ground truth by direct SQL.</summary>
public sealed class PlannerProbeTests : IAsyncLifetime
{
    private const string Schema = """
        create table people (pid text primary key, mail text not null);
        create table threads (tid text primary key, members text[] not null, created_at timestamptz not null);
        create table notes (nid text primary key, tid text not null, author text not null, body text not null, parent text, created_at timestamptz not null);
        create table uploads (uid text primary key, nid text not null, path text not null, created_at timestamptz not null);
        create table marks (mid text primary key, upload text not null, by_pid text not null);
        insert into people values ('u-ann', 'ann@example.org'), ('u-bo', 'bo@example.org'), ('u-cy', 'cy@example.org');
        insert into threads values ('t1', '{u-cy,u-ann,u-bo}', '2020-01-01'), ('t2', '{u-ann}', '2020-01-01'), ('t3', '{u-bo,u-cy}', '2020-01-01');
        insert into notes values
            ('n1', 't1', 'u-ann', 'first', null, '2020-01-01'),
            ('n2', 't1', 'u-bo', 'hi <@u-cy> and <@u-ann>', 'n1', '2020-01-02'),
            ('n3', 't1', 'u-ann', 'reply to myself', 'n1', '2020-01-03'),
            ('n4', 't3', 'u-bo', 'old note', null, '2020-01-01'),
            ('n5', 't3', 'u-cy', 'new note', 'n4', '2030-01-01');
        insert into uploads values ('up1', 'n1', 'files/up1.bin', '2020-01-01'), ('up2', 'n4', 'files/up2.bin', '2020-01-01'), ('up3', 'n5', 'files/up3.bin', '2030-01-01');
        insert into marks values ('m1', 'up1', 'u-bo'), ('m2', 'up2', 'u-cy'), ('m3', 'up3', 'u-bo');
        """;

    private const string Map = """
        version: 1
        name: probe
        stores: [probe]
        identities:
          - { kind: user-id, collection: people, column: pid }
          - { kind: email, collection: people, column: mail }
        collections:
          - name: people
            key: pid
            subject: true
            row_erasure: delete
            fields:
              - { column: mail, category: contact, erasure: delete-row }
          - name: threads
            key: tid
            row_erasure: keep
            legal_basis: Shared.
            references:
              - { column: members, to: people, relation: mentioned, array: true }
            fields:
              - { column: members, category: metadata, erasure: set-null }
          - name: notes
            key: nid
            dated_by: created_at
            row_erasure: delete
            references:
              - { column: author, to: people, relation: author }
              - { column: tid, to: threads }
              - { column: parent, to: notes }
              - { column: body, to: people, relation: mentioned, pattern: '<@(?<id>[a-z-]+)>' }
            fields:
              - { column: body, category: content, erasure: delete-row }
          - name: uploads
            key: uid
            row_erasure: delete
            references:
              - { column: nid, to: notes }
            blobs:
              - { column: path }
          - name: marks
            key: mid
            row_erasure: delete
            references:
              - { column: upload, to: uploads }
              - { column: by_pid, to: people, relation: author }
        """;

    private string _cs = "";
    private NpgsqlDataSource _store = null!;
    private DataMapDocument _map = null!;

    public async Task InitializeAsync()
    {
        _cs = await TestPostgres.CreateDatabaseWithAsync("probe", Schema);
        _store = NpgsqlDataSource.Create(_cs);
        var problems = new List<DataMapProblem>();
        _map = DataMapLoader.Load("probe.yaml", Map, problems)!;
        Assert.Empty(problems);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_cs);
    }

    private async Task<string[]> Column(string sql)
    {
        await using var connection = await _store.OpenConnectionAsync();
        return (await connection.QueryAsync<string>(sql)).ToArray();
    }

    [Fact]
    public async Task Pattern_FindsThePersonInAnyOccurrence_ComparingIdGroupsOnly()
    {
        var preview = await PlanPreview.RunAsync(new DataMapPlanner(_map, "probe").Access(IdentityKind.UserId, "u-ann"), _store, CancellationToken.None);

        // "hi <@u-cy> and <@u-ann>": the person is the second id in the text.
        Assert.Equal(["n2"], FixtureStore.Keys(preview.Where(s => s.Role == StepRole.PointsAtPerson && s.Collection == "notes")));
    }

    [Fact]
    public async Task Erasure_RemovesThePersonFromArrays_KeepingOrder_AndLeavingAnEmptyArrayNotNull()
    {
        await PlanRunner.ExecuteAsync(new DataMapPlanner(_map, "probe").Erase(IdentityKind.UserId, "u-ann", TestKeys.Pseudonyms), _store, CancellationToken.None);

        Assert.Equal(["{u-cy,u-bo}"], await Column("select members::text from threads where tid = 't1'"));
        Assert.Equal(["{}"], await Column("select members::text from threads where tid = 't2'"));
        Assert.Equal(["{u-bo,u-cy}"], await Column("select members::text from threads where tid = 't3'"));
    }

    [Fact]
    public async Task Erasure_FollowsTheWholeChainOfDependants_WithTheirFiles_AndUnlinksSelfLinksOfRowsThatStay()
    {
        var results = await PlanRunner.ExecuteAsync(new DataMapPlanner(_map, "probe").Erase(IdentityKind.Email, "ann@example.org", TestKeys.Pseudonyms), _store, CancellationToken.None);

        // The person's notes go; the upload of n1 and bo's mark on it go with them (two levels down), its file listed.
        Assert.Equal(["n2", "n4", "n5"], await Column("select nid from notes order by nid"));
        Assert.Equal(["up2", "up3"], await Column("select uid from uploads order by uid"));
        Assert.Equal(["m2", "m3"], await Column("select mid from marks order by mid"));
        Assert.Equal(["files/up1.bin"], results.SelectMany(r => r.Files).Select(f => f.Path).ToArray());
        // bo's reply to the deleted n1 stays, unlinked.
        Assert.Equal([""], await Column("select coalesce(parent, '') from notes where nid = 'n2'"));
    }

    [Fact]
    public async Task Purge_ListsTheFilesOfEveryDeletedDependant_AndGoesThroughTheChain()
    {
        var plan = new DataMapPlanner(_map, "probe").Purge("notes");
        var cut = plan with { Inputs = new Dictionary<string, object?>(plan.Inputs) { [DataMapPlanner.CutoffInput] = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc) } };

        var results = await PlanRunner.ExecuteAsync(cut, _store, CancellationToken.None);

        Assert.Equal(["n5"], await Column("select nid from notes order by nid"));
        Assert.Equal(["up3"], await Column("select uid from uploads order by uid"));
        Assert.Equal(["m3"], await Column("select mid from marks order by mid"));
        Assert.Equal(["files/up1.bin", "files/up2.bin"], results.SelectMany(r => r.Files).Select(f => f.Path).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal([""], await Column("select coalesce(parent, '') from notes where nid = 'n5'"));
    }

    [Fact]
    public void Planner_BuildsTheSamePlanTwice_KeepingNoStateBetweenCalls()
    {
        var planner = new DataMapPlanner(_map, "probe");

        var first = planner.Erase(IdentityKind.UserId, "u-ann", TestKeys.Pseudonyms).Describe();
        planner.Access(IdentityKind.Email, "x@example.org");
        var second = planner.Erase(IdentityKind.UserId, "u-ann", TestKeys.Pseudonyms).Describe();

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task DerivedTemplateWithAnAtSign_IsALiteral_NotAParameter()
    {
        await using (var connection = await _store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("create table mailboxes (address text primary key); insert into mailboxes values ('u-ann@corp'), ('u-bo@corp')");
        }

        var yaml = Map + """

              - name: mailboxes
                key: address
                row_erasure: delete
                references:
                  - { column: address, to: people, relation: owner, derive: "{key}@corp" }
            """;
        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load("probe.yaml", yaml, problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        var preview = await PlanPreview.RunAsync(new DataMapPlanner(map!, "probe").Access(IdentityKind.UserId, "u-ann"), _store, CancellationToken.None);

        Assert.Equal(["u-ann@corp"], FixtureStore.Keys(preview.Where(s => s.Role == StepRole.Own && s.Collection == "mailboxes")));
    }
}
