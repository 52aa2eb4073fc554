using System.Diagnostics;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database.Embedded;
using Governance.Core.Erasure;
using Governance.Core.Requests;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.Erasure;

/// <summary>The erasure ledger replayed on a chat store restored from a pg_dump taken before an erasure.</summary>
public sealed class ErasureReplayTests
{
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:officer", ["Legal"]);

    /// <summary>Runs pg_dump or pg_restore (the cluster's own) against the store's database; fails the test with the tool's message.</summary>
    private static async Task ToolAsync(string tool, string connectionString, params string[] args)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var info = new ProcessStartInfo(Path.Combine(EmbeddedCluster.LocateBinaries(""), tool)) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-h", cs.Host!, "-p", cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", cs.Username!, "-d", cs.Database! }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["PGPASSWORD"] = cs.Password ?? "";
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {await errors}");
    }

    [Fact]
    public async Task Replay_AfterRestoringABackup_ErasesAgainExactlyThoseErasedSince_AndTheStoreEndsAsBeforeTheRestore()
    {
        await using var world = await ErasureWorld.CreateAsync("ereplay");
        var eu = world.StoreConnections["eu"];
        var people = (await new NpgsqlConnection(eu).QueryAsync<(long Id, string Email)>(
            "select u.id, u.email from users u join messages m on m.sender_id = u.id group by u.id, u.email order by count(*) desc, u.id limit 2")).ToList();

        var before = await world.RequestAsync(null, people[0].Email);
        await world.Erasure.StartAsync(before, Officer, CancellationToken.None);
        Assert.Equal(RequestState.Completed, (await world.Erasure.RunAsync(before, AuditActor.Job("erasure"), CancellationToken.None)).State);
        await Task.Delay(50);
        var since = DateTimeOffset.UtcNow;
        var dump = Path.Combine(world.Blobs, "eu.dump");
        Directory.CreateDirectory(world.Blobs);
        await ToolAsync("pg_dump", eu, "-Fc", "-f", dump); // the backup: the first person already erased, the second not yet

        var after = await world.RequestAsync(null, people[1].Email);
        await world.Erasure.StartAsync(after, Officer, CancellationToken.None);
        var erased = await world.Erasure.RunAsync(after, AuditActor.Job("erasure"), CancellationToken.None);
        Assert.Equal(RequestState.Completed, erased.State);
        var erasedState = await world.FingerprintAsync("eu");
        Assert.Equal(2, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.erasure_ledger where store = 'eu'"));
        // The ledger names no one: no e-mail in it, and its hash is keyed (not the plain hash of the person's key).
        var ledger = await TestPostgres.ScalarAsync<string>(world.Admin, "select string_agg(l::text, ' ') from gov.erasure_ledger l");
        foreach (var p in people)
        {
            Assert.DoesNotContain(p.Email, ledger, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))), ledger, StringComparison.Ordinal);
        }

        NpgsqlConnection.ClearAllPools();
        await ToolAsync("pg_restore", eu, "--clean", "--if-exists", dump);
        Assert.True(await TestPostgres.ScalarAsync<long>(eu, $"select count(*) from messages where sender_id = {people[1].Id} and body <> '[message deleted]'") > 0,
            "the restore brought the second person's messages back");

        var replayed = await new ErasureReplay(world.Database, world.Stores, world.Catalog, world.Options, world.Runner, world.Audit)
            .ReplayAsync("eu", since, AuditActor.System("cli"), CancellationToken.None);

        var entry = Assert.Single(replayed.Entries); // only the erasure made after the backup
        Assert.True(entry.Found);
        Assert.Equal(after, entry.RequestId);
        Assert.Equal(erased.Stores.Single(s => s.Store == "eu").Changed, entry.Changed);
        Assert.Equal(erasedState, await world.FingerprintAsync("eu"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log where action = 'erasure.replay' and target_id = 'eu'"));

        // Replayed again: everything is already erased; nothing changes.
        var again = await new ErasureReplay(world.Database, world.Stores, world.Catalog, world.Options, world.Runner, world.Audit)
            .ReplayAsync("eu", since, AuditActor.System("cli"), CancellationToken.None);
        Assert.Equal(0, again.Changed);
        Assert.Equal(erasedState, await world.FingerprintAsync("eu"));
    }
}
