using Governance.Core.DataMap;
using Governance.Core.Demo;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.DataMap;

public sealed class DataMapDiscoveryTests
{
    [Fact]
    public async Task DraftAsync_ReferenceSchema_GivesAValidMapWithThePersonTheirContactsAndContent()
    {
        var cs = await TestPostgres.CreateDatabaseWithAsync("disc", DemoSeeder.SchemaSql());
        try
        {
            await using var store = NpgsqlDataSource.Create(cs);

            var draft = await DataMapDiscovery.DraftAsync(store, "eu", "public", CancellationToken.None);

            var problems = new List<DataMapProblem>();
            var map = DataMapLoader.Load("draft.yaml", draft, problems);
            Assert.Empty(problems);
            Assert.Empty(await LiveSchemaCheck.CheckAsync(map!, store, "eu", CancellationToken.None));
            Assert.Contains("# REVIEW", draft, StringComparison.Ordinal);
            Assert.True(map!.Find("users")!.Subject);
            Assert.Contains(map.Identities, i => i.Kind == IdentityKind.Email && i.Column == "email" && i.CaseInsensitive);
            Assert.Equal(FieldCategory.Contact, map.Find("users")!.Fields.Single(f => f.Column == "email").Category);
            Assert.Equal(FieldCategory.Network, map.Find("users")!.Fields.Single(f => f.Column == "last_login_ip").Category);
            Assert.Equal(FieldCategory.Content, map.Find("messages")!.Fields.Single(f => f.Column == "body").Category);
            Assert.Equal(FieldCategory.Credentials, map.Find("devices")!.Fields.Single(f => f.Column == "push_token").Category);
            Assert.Contains(map.Find("messages")!.References, r => r.Columns[0] == "sender_id" && r.To == "users" && r.Relation == Relation.Owner);
            Assert.Equal(12, map.Collections.Sum(c => c.References.Count(r => r.To == "users"))); // every foreign key to users (ids without one, like an array of mentions, need a person to add them)
            Assert.DoesNotContain(map.Collections.SelectMany(c => c.Fields), f => f.Column.EndsWith("_id", StringComparison.Ordinal) && f.Erasure != FieldErasure.Pseudonymise);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }
    }
}
