using System.Text.Json;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Tests.Erasure;
using Governance.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Retention;

/// <summary>
/// An archive-then-delete rule on the seeded reference store: every row the run deletes — the messages past the age and
/// the reactions and attachments that go with them — is in its archive exactly as it was (checked against SQL read
/// before the run), the archive files are encrypted and in the store's region's folder, and the rows are gone.
/// </summary>
public sealed class RetentionArchiveTests
{
    [Fact]
    public async Task ArchiveThenDelete_ArchivesEveryDeletedRowAsItWas_EncryptedInTheRegionsFolder_ThenDeletes()
    {
        await using var world = await ErasureWorld.CreateAsync("retarchive");
        var eu = world.StoreConnections["eu"];
        await using var store = new NpgsqlConnection(eu);
        var newest = await store.ExecuteScalarAsync<DateTime>("select max(created_at) at time zone 'UTC' from messages");
        var now = new DateTimeOffset(newest.Date.AddDays(1), TimeSpan.Zero);
        var days = (int)(now.UtcDateTime - await store.ExecuteScalarAsync<DateTime>("select min(created_at) at time zone 'UTC' from messages")).TotalDays / 2;
        var cutoff = $"timestamptz '{now.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00' - interval '{days} days'";
        var messages = (await store.QueryAsync<(long Id, string Body)>($"select id, body from messages where created_at < {cutoff}")).ToDictionary(m => m.Id, m => m.Body);
        var reactions = await store.ExecuteScalarAsync<long>($"select count(*) from reactions r join messages m on m.id = r.message_id where m.created_at < {cutoff}");
        var attachments = (await store.QueryAsync<long>($"select a.id from attachments a join messages m on m.id = a.message_id where m.created_at < {cutoff}")).ToHashSet();
        Assert.True(messages.Count > 100 && reactions > 0 && attachments.Count > 0, "the seeded data gives rows of each kind to archive");

        var folder = Path.Combine(world.Blobs, "archives");
        var setup = new RetentionSetup(world, Path.Combine(world.Blobs, "policies"), new FakeTimeProvider(now));
        setup.Rules($"  - name: messages-archived\n    collection: messages\n    store: eu\n    age: P{days}D\n    action: archive-then-delete\n    schedule: \"0 2 * * *\"\n    why: test\n");
        var archive = setup.Archive(folder);
        var purge = setup.Purge(archive);

        var run = await purge.RunAsync(Assert.Single(await purge.ScheduleAsync("messages-archived", AuditActor.Job("retention"), CancellationToken.None)),
            AuditActor.Job("retention"), CancellationToken.None);

        Assert.Equal(("done", (long)messages.Count, (string?)null), (run!.State, run.RowsRemoved, run.Problem));
        Assert.Equal(0L, await store.ExecuteScalarAsync<long>($"select count(*) from messages where created_at < {cutoff}"));
        using var copy = new MemoryStream();
        await archive.CopyAsync(run.Id, copy, CancellationToken.None);
        var lines = System.Text.Encoding.UTF8.GetString(copy.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var archivedMessages = lines.Where(l => l.GetProperty("collection").GetString() == "messages")
            .ToDictionary(l => l.GetProperty("row").GetProperty("id").GetInt64(), l => l.GetProperty("row").GetProperty("body").GetString()!);
        Assert.Equal(messages.OrderBy(m => m.Key), archivedMessages.OrderBy(m => m.Key));
        Assert.Equal(reactions, lines.Count(l => l.GetProperty("collection").GetString() == "reactions"));
        Assert.Equal(attachments.Order(), lines.Where(l => l.GetProperty("collection").GetString() == "attachments").Select(l => l.GetProperty("row").GetProperty("id").GetInt64()).Order());

        // At rest: only in the eu folder, recorded with their hashes, and no message's text readable in them.
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.StartsWith(Path.Combine(folder, "eu") + Path.DirectorySeparatorChar, f, StringComparison.Ordinal));
        Assert.Equal((long)files.Length, await TestPostgres.ScalarAsync<long>(world.Admin, $"select count(*) from gov.retention_archives where run_id = '{run.Id}' and state = 'written'"));
        var longest = messages.Values.MaxBy(b => b.Length)!;
        Assert.All(files, f => Assert.DoesNotContain(longest, System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(f)), StringComparison.Ordinal));
    }
}
