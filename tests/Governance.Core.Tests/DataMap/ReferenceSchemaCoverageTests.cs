using System.Text.RegularExpressions;
using Dapper;
using Governance.Core.DataMap;
using Governance.Core.Demo;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.DataMap;

/// <summary>The shipped map against the reference chat store's real schema: nothing named that is not there, nothing personal left out.</summary>
public sealed partial class ReferenceSchemaCoverageTests
{
    [GeneratedRegex("(email|phone|ip$|_ip$|name|body|content|token|agent|alias|prompt|answer|lat$|lng$|lon$|address|topic|blob|path|mention|login|seen)", RegexOptions.IgnoreCase)]
    private static partial Regex LooksPersonal();

    [Fact]
    public async Task ShippedMap_MatchesTheLiveSchema_AndListsEveryPersonalLookingColumn()
    {
        var cs = await TestPostgres.CreateDatabaseWithAsync("cover", DemoSeeder.SchemaSql());
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(cs);

            var map = Assert.Single(DataMapLoader.LoadDirectory(DataMapLoaderTests.PoliciesFolder()).Maps);
            Assert.Empty(await LiveSchemaCheck.CheckAsync(map, dataSource, "test", CancellationToken.None));

            await using var read = await dataSource.OpenConnectionAsync();
            var columns = await read.QueryAsync<(string Table, string Column)>(
                "select table_name, column_name from information_schema.columns where table_schema = 'public' order by 1, 2");
            var missing = new List<string>();
            foreach (var (table, column) in columns.Where(c => LooksPersonal().IsMatch(c.Column)))
            {
                var collection = map.Collections.SingleOrDefault(c => c.QualifiedTable == ("public", table));
                var listed = collection is not null && (collection.Fields.Any(f => f.Column == column) || collection.NotPersonal.Contains(column)
                    || collection.References.Any(r => r.Columns.Contains(column)));
                if (!listed)
                {
                    missing.Add($"{table}.{column}");
                }
            }

            Assert.True(missing.Count == 0, $"personal-looking columns missing from policies/datamap/chat.yaml: {string.Join(", ", missing)}");
            var tables = columns.Select(c => c.Table).Distinct().ToList();
            Assert.All(tables, t => Assert.Contains(map.Collections, c => c.Table == t));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task LiveSchemaCheck_MissingTableOrColumn_IsNamedWithItsLocation()
    {
        var cs = await TestPostgres.CreateDatabaseWithAsync("live", "create table people (id bigint primary key, email text)");
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(cs);

            var problems = new List<DataMapProblem>();
            var map = DataMapLoader.Load("live.yaml", """
                version: 1
                name: live
                identities:
                  - { kind: user-id, collection: people, column: id }
                collections:
                  - name: people
                    key: id
                    row_erasure: delete
                    fields:
                      - { column: email, category: contact, erasure: delete-row }
                      - { column: phone, category: contact, erasure: delete-row }
                  - name: orders
                    key: id
                    row_erasure: delete
                """, problems)!;
            Assert.Empty(problems);

            var live = await LiveSchemaCheck.CheckAsync(map, dataSource, "test", CancellationToken.None);

            Assert.Equal(["live.yaml:11:9: Column 'phone' does not exist in table 'people' of store 'test'.", "live.yaml:12:5: Table 'orders' of collection 'orders' does not exist in store 'test'."],
                live.Select(p => p.ToString()));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }
    }
}
