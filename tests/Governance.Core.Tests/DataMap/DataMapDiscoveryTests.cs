using Governance.Core.DataMap;
using Governance.Core.DataMap.Discovery;
using Governance.Core.Demo;
using Governance.Tests.Support;

namespace Governance.Core.Tests.DataMap;

public sealed class DataMapDiscoveryTests
{
    [Fact]
    public async Task DraftAsync_ReferenceSchema_GivesAValidMapWithThePersonTheirContactsAndContent()
    {
        await using var db = await TestPostgres.ScratchAsync("disc", DemoSeeder.SchemaSql());
        var store = db.Store;

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
        Assert.Contains(map.Find("messages")!.References, r => r.Columns[0] == "sender_id" && r.To == "users" && r.Relation == Relation.Author);
        // Every foreign key to users (12), and on this empty schema the two id columns without one, by their names alone.
        Assert.Equal(14, map.Collections.Sum(c => c.References.Count(r => r.To == "users")));
        Assert.Contains(map.Find("messages")!.References, r => r.Columns[0] == "mentions" && r.Array && r.Relation == Relation.Mentioned);
        Assert.DoesNotContain(map.Collections.SelectMany(c => c.Fields), f => f.Column.EndsWith("_id", StringComparison.Ordinal) && f.Erasure != FieldErasure.Pseudonymise);
    }

    [Fact]
    public async Task DraftAsync_CatalogEdgeCases_OneReferencePerConstraint_KeysFromUniqueIndexes_NoBooleanIdentities()
    {
        await using var db = await TestPostgres.ScratchAsync("disc_edge", """
            create table users (id bigint primary key, email text not null, email_verified boolean not null default false);
            create table workspaces (org text not null, slug text not null, owner bigint, primary key (org, slug));
            create table pages (id bigint primary key, org text not null, slug text not null, author bigint not null,
                constraint fk_owner foreign key (author) references users (id),
                constraint fk_space foreign key (org, slug) references workspaces (org, slug));
            create table drafts (handle text not null, author bigint not null, constraint fk_owner foreign key (author) references users (id));
            create unique index drafts_handle on drafts (handle);
            """);
        var store = db.Store;

        var draft = await DataMapDiscovery.DraftAsync(store, "edge", "public", CancellationToken.None);

        var problems = new List<DataMapProblem>();
        var map = DataMapLoader.Load("draft.yaml", draft, problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + draft);
        // Constraints named alike in two tables stay one reference each; the composite key is one reference of two columns.
        Assert.Single(map!.Find("pages")!.References, r => r.To == "users");
        Assert.Single(map.Find("drafts")!.References, r => r.To == "users");
        Assert.Equal(["org", "slug"], Assert.Single(map.Find("pages")!.References, r => r.To == "workspaces").Columns);
        Assert.Equal(["handle"], map.Find("drafts")!.Key);
        Assert.DoesNotContain(map.Identities, i => i.Column == "email_verified");
        Assert.DoesNotContain(map.Collections.SelectMany(c => c.Fields), f => f.Column == "email_verified");
    }
}
