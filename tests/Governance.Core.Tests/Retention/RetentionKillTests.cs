using System.Diagnostics;
using Dapper;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.Retention;

/// <summary>The purge run by the console's command line, killed with SIGKILL mid-run, then run again: it resumes and ends exact.</summary>
public sealed class RetentionKillTests
{
    private static Process Start(Erasure.ErasureWorld world, string policies)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ConsoleBinary.Path(), "retention", "run", "--rule", "default" })
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in world.ProcessSettings(batchSize: 20))
        {
            info.Environment[key] = value;
        }

        info.Environment["DataMap__Directory"] = Path.Combine(policies, "datamap");
        info.Environment["Retention__BatchSize"] = "20";
        info.Environment["Retention__MinBatchSize"] = "20";
        info.Environment["Retention__MaxBatchSize"] = "20";
        info.Environment["Retention__PauseFactor"] = "0";
        info.Environment["Retention__MinPauseMs"] = "25";
        info.Environment.Remove("GOV_SETTINGS_FILE");
        return Process.Start(info)!;
    }

    [Fact]
    public async Task KilledWithSigkillMidRun_RunAgain_RemovesExactlyWhatIsDue_WithItsFiles_AndCountsThatAddUp()
    {
        await using var world = await Erasure.ErasureWorld.CreateAsync("retkill");
        var eu = world.StoreConnections["eu"];
        List<(long Id, DateTime At)> before;
        List<(long Message, string Path)> files;
        await using (var c = new NpgsqlConnection(eu))
        {
            before = (await c.QueryAsync<(long, DateTime)>("select id, created_at at time zone 'UTC' from messages")).ToList();
            files = (await c.QueryAsync<(long, string)>("select message_id, blob_path from attachments")).ToList();
        }

        var days = (int)(DateTime.UtcNow - before.Min(m => m.At)).TotalDays / 2;
        var policies = Path.Combine(world.Blobs, "policies");
        new RetentionSetup(world, policies, TimeProvider.System).Rules(
            $"  - name: default\n    collection: messages\n    store: eu\n    age: P{days}D\n    action: delete\n    schedule: \"0 2 * * *\"\n    why: test\n");

        using (var first = Start(world, policies))
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (await TestPostgres.ScalarAsync<long>(world.Admin, "select coalesce(max(batches), 0) from gov.retention_runs") < 8)
            {
                if (first.HasExited)
                {
                    Assert.Fail($"the run ended before it could be killed (exit {first.ExitCode}): {await first.StandardError.ReadToEndAsync()} {await first.StandardOutput.ReadToEndAsync()}");
                }

                Assert.True(DateTime.UtcNow < deadline, "the run did not reach its eighth batch within 120 s");
                await Task.Delay(10);
            }

            first.Kill(entireProcessTree: true); // SIGKILL: no clean-up, no last write
            await first.WaitForExitAsync();
        }

        Assert.Equal("running", await TestPostgres.ScalarAsync<string>(world.Admin, "select state from gov.retention_runs"));

        using (var second = Start(world, policies))
        {
            var output = second.StandardOutput.ReadToEndAsync();
            var errors = second.StandardError.ReadToEndAsync();
            await second.WaitForExitAsync();
            Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}: {await errors} {await output}");
            Assert.Contains("rows removed", await output, StringComparison.Ordinal);
        }

        // One run, resumed: what was due by its cutoff is gone, the rest is all there, with files and counts to match.
        var cutoff = await TestPostgres.ScalarAsync<DateTime>(world.Admin, "select cutoff at time zone 'UTC' from gov.retention_runs");
        var due = before.Where(m => m.At < cutoff).Select(m => m.Id).ToHashSet();
        Assert.True(due.Count > 200, $"{due.Count} due");
        List<long> left;
        await using (var c = new NpgsqlConnection(eu))
        {
            left = (await c.QueryAsync<long>("select id from messages")).ToList();
        }

        Assert.True(left.ToHashSet().SetEquals(before.Where(m => !due.Contains(m.Id)).Select(m => m.Id)), "exactly the due rows are gone");
        Assert.All(files.Where(f => due.Contains(f.Message)), f => Assert.False(File.Exists(Path.Combine(world.Blobs, "eu", f.Path)), "a purged message's file goes"));
        Assert.All(files.Where(f => !due.Contains(f.Message)), f => Assert.True(File.Exists(Path.Combine(world.Blobs, "eu", f.Path)), "a kept message's file stays"));
        Assert.Equal("done", await TestPostgres.ScalarAsync<string>(world.Admin, "select state from gov.retention_runs"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.retention_runs"));
        Assert.Equal(due.Count, await TestPostgres.ScalarAsync<long>(world.Admin, "select rows_removed from gov.retention_runs"));
        Assert.Equal(files.Count(f => due.Contains(f.Message)), await TestPostgres.ScalarAsync<long>(world.Admin, "select files_removed + files_missing from gov.retention_runs"));
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.retention_files where outcome = 'pending'"));
    }
}
