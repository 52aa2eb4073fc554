using System.Security.Cryptography;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Holds;
using Governance.Core.Retention;
using Governance.Core.Tests.DataMap;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.Retention;

/// <summary>
/// An <c>anonymise</c> rule on a chat store modelled on a team-chat product (text ids, epoch-millisecond dates, no
/// foreign keys): old posts keep their place in their channels but lose their text and their author's id, each
/// author becoming one stable pseudonym; a held custodian's posts and recent posts are untouched; nothing is deleted;
/// a second run finds nothing left. Expected rows come from SQL on the store taken before the run.
/// </summary>
public sealed class RetentionAnonymiseTests
{
    private const string Ann = "annannannannannannannannan";
    private const string Bob = "bobbobbobbobbobbobbobbobbo";
    private const string Cy = "cycycycycycycycycycycycycy";

    [Fact]
    public async Task OldPosts_LoseTextAndAuthor_OneStablePseudonymPerAuthor_HeldAndRecentOnesStay_NothingIsDeleted()
    {
        await using var fixture = await FixtureStore.CreateAsync("teamchat");
        await using (var store = await fixture.Store.OpenConnectionAsync())
        {
            await store.ExecuteAsync("insert into posts values ('p6ann000000000000000000000', 'townsquare0000000000000000', @Ann, null, 'lunch at noon?', '{}', @now)",
                new { Ann, now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }

        var (admin, app) = await MigratedDatabase.CreateAsync("retanon");
        var folder = Path.Combine(Path.GetTempPath(), $"retanon-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "datamap"));
            Directory.CreateDirectory(Path.Combine(folder, "retention"));
            File.Copy(Path.Combine(FixtureStore.Folder, "teamchat.yaml"), Path.Combine(folder, "datamap", "teamchat.yaml"));
            await File.WriteAllTextAsync(Path.Combine(folder, "retention", "team.yaml"), """
                version: 1
                map: teamchat
                rules:
                  - name: posts-anonymised-one-year
                    collection: posts
                    age: P1Y
                    action: anonymise
                    schedule: "0 3 * * *"
                    why: "Channel history is kept for its shape; its text and authors go after a year."
                """);
            var options = Microsoft.Extensions.Options.Options.Create(new DataMapOptions
            {
                Directory = Path.Combine(folder, "datamap"),
                PseudonymKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            });
            var catalog = new RetentionCatalog(options, new DataMapCatalog(options));
            Assert.True(catalog.Load(["eu"]).Valid, string.Join("\n", catalog.Load(["eu"]).Problems));
            await using var database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
            await using var stores = new ChatStoreRegistry([new ResolvedStore("team", "eu", fixture.ConnectionString, Path.Combine(folder, "blobs"))]);
            var audit = new AuditLog(database, new AuditSealSignal());
            var holds = new LegalHolds(database, audit, TimeProvider.System);
            await holds.CreateAsync(new NewHold("Launch leak inquiry", [new HoldScope(HoldScopeKind.User, Cy)], null, null, null),
                new AuditActor(AuditActorType.User, "local:lawyer", ["Legal"]), CancellationToken.None);
            var purge = new RetentionPurge(database, stores, catalog, holds, audit,
                new RetentionOptions { BatchSize = 2, MinBatchSize = 1, MaxBatchSize = 2, PauseFactor = 0, MinPauseMs = 0 }, TimeProvider.System);
            var preview = new RetentionPreview(catalog, stores, holds, TimeProvider.System);

            await using var read = await fixture.Store.OpenConnectionAsync();
            var before = (await read.QueryAsync<(string Id, string UserId, string Message)>("select id, userid, message from posts order by id")).ToList();
            var due = (await fixture.TruthAsync($"select id from posts where createat < {DateTimeOffset.UtcNow.AddYears(-1).ToUnixTimeMilliseconds() / 1000} and userid <> '{Cy}'")).ToHashSet();
            var counted = Assert.Single(await preview.RunAsync("posts-anonymised-one-year", CancellationToken.None));

            var run = await purge.RunAsync(Assert.Single(await purge.ScheduleAsync("posts-anonymised-one-year", AuditActor.Job("retention"), CancellationToken.None)),
                AuditActor.Job("retention"), CancellationToken.None);

            var after = (await read.QueryAsync<(string Id, string UserId, string Message)>("select id, userid, message from posts order by id")).ToDictionary(p => p.Id);
            Assert.Equal(["p1ann000000000000000000000", "p2bob000000000000000000000", "p3bob000000000000000000000", "p4ann000000000000000000000"], due.Order(StringComparer.Ordinal));
            Assert.Equal((4L, 1L), (counted.Removed, counted.Held));
            Assert.Equal(("done", 4L, 1L), (run!.State, run.RowsRemoved, run.RowsHeld));
            Assert.Equal(before.Count, after.Count); // nothing deleted
            foreach (var post in before)
            {
                if (due.Contains(post.Id))
                {
                    Assert.Equal("(message deleted)", after[post.Id].Message);
                    Assert.Equal(26, after[post.Id].UserId.Length);
                    Assert.DoesNotContain(after[post.Id].UserId, new[] { Ann, Bob, Cy });
                }
                else
                {
                    Assert.Equal(post, after[post.Id]); // the held custodian's post and the recent one
                }
            }

            var annPseudonym = after["p1ann000000000000000000000"].UserId;
            var bobPseudonym = after["p2bob000000000000000000000"].UserId;
            Assert.Equal(annPseudonym, after["p4ann000000000000000000000"].UserId);
            Assert.Equal(bobPseudonym, after["p3bob000000000000000000000"].UserId);
            Assert.NotEqual(annPseudonym, bobPseudonym);
            Assert.Equal(["2", "3"], await fixture.TruthAsync("select count(*) from reactions union all select count(*) from fileinfo"));

            var again = await purge.RunAsync(Assert.Single(await purge.ScheduleAsync("posts-anonymised-one-year", AuditActor.Job("retention"), CancellationToken.None)),
                AuditActor.Job("retention"), CancellationToken.None);
            Assert.Equal(("done", 0L), (again!.State, again.RowsRemoved));
            await using var owner = new NpgsqlConnection(admin);
            Assert.Equal(4L, await owner.ExecuteScalarAsync<long>($"select rows from gov.retention_run_collections where run_id = '{run.Id}' and collection = 'posts' and action = 'anonymise'"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(admin);
            Directory.Delete(folder, recursive: true);
        }
    }
}
