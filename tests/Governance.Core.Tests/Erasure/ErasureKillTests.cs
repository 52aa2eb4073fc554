using System.Diagnostics;
using Governance.Core.Audit;
using Governance.Core.Requests;
using Governance.Tests.Support;

namespace Governance.Core.Tests.Erasure;

/// <summary>The erasure run by the console's own command line, killed with SIGKILL mid-run, then run again.</summary>
public sealed class ErasureKillTests
{
    private static Process Start(ErasureWorld world, string reference, int lockTimeoutMs = 2_000)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ConsoleBinary.Path(), "erasure", "run", "--request", reference })
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in world.ProcessSettings(batchSize: 2))
        {
            info.Environment[key] = value;
        }

        info.Environment["Erasure__LockTimeoutMs"] = lockTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment.Remove("GOV_SETTINGS_FILE");
        return Process.Start(info)!;
    }

    [Fact]
    public async Task KilledWithSigkillMidRun_RunAgain_EndsExactlyAsAnUninterruptedRun_WithCountsThatAddUp()
    {
        await using var killed = await ErasureWorld.CreateAsync("ekill", batchSize: 2);
        await using var whole = await ErasureWorld.CreateAsync("ekwhole", batchSize: 2);
        var (person, email) = await killed.BusiestPersonAsync();
        var request = await killed.RequestAsync(null, email);
        var reference = await TestPostgres.ScalarAsync<string>(killed.Admin, $"select reference from gov.requests where id = '{request}'");
        var twin = await whole.RequestAsync(null, email);

        // The live chat system holds the person's account row (its last step strips it): the run does every batch before that
        // and waits on the lock; it is killed there, with most of its work committed and the rest not begun.
        await using (var chat = new Npgsql.NpgsqlConnection(killed.StoreConnections["eu"]))
        {
            await chat.OpenAsync();
            await using var holding = await chat.BeginTransactionAsync();
            await using (var lockRow = new Npgsql.NpgsqlCommand($"select 1 from users where id = {person} for update", chat, holding))
            {
                await lockRow.ExecuteScalarAsync();
            }

            using var first = Start(killed, reference, lockTimeoutMs: 120_000);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (await TestPostgres.ScalarAsync<long>(killed.StoreConnections["eu"],
                "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'") == 0)
            {
                if (first.HasExited)
                {
                    Assert.Fail($"the run ended before it could be killed (exit {first.ExitCode}): {await first.StandardError.ReadToEndAsync()}");
                }
                Assert.True(DateTime.UtcNow < deadline, "the run did not reach the held row within 120 s");
                await Task.Delay(20);
            }

            first.Kill(entireProcessTree: true); // SIGKILL: no clean-up, no last write
            await first.WaitForExitAsync();
            await holding.RollbackAsync();
        }

        Assert.True(await TestPostgres.ScalarAsync<long>(killed.Admin, "select count(*) from gov.erasure_batches where done_at is not null") > 5, "most batches were done");
        var state = await killed.StateAsync(request);
        Assert.True(state == "Processing", $"{state}: " + await TestPostgres.ScalarAsync<string>(killed.Admin,
            $"select coalesce(string_agg(reason, ' | ' order by occurred_at), '') from gov.request_events where request_id = '{request}'"));
        Assert.True(await TestPostgres.ScalarAsync<long>(killed.Admin, "select count(*) from gov.erasure_batches where done_at is null") > 0, "killed before the end");

        using (var second = Start(killed, reference))
        {
            var output = second.StandardOutput.ReadToEndAsync();
            var errors = second.StandardError.ReadToEndAsync();
            await second.WaitForExitAsync();
            Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}: {await errors}");
            Assert.Contains("Completed", await output, StringComparison.Ordinal);
        }

        await whole.Erasure.StartAsync(twin, AuditActor.System("test"), CancellationToken.None);
        var uninterrupted = await whole.Erasure.RunAsync(twin, AuditActor.Job("erasure"), CancellationToken.None);
        var resumed = await killed.Runner.ResultsAsync(request, CancellationToken.None);

        Assert.Equal("Completed", await killed.StateAsync(request));
        Assert.Equal(RequestState.Completed, uninterrupted.State);
        Assert.Equal(await whole.FingerprintAsync("eu"), await killed.FingerprintAsync("eu"));
        Assert.Equal(uninterrupted.Stores.SelectMany(s => s.Steps).Select(s => (s.Step, s.Planned, s.Changed, s.Held, s.FilesRemoved + s.FilesMissing)),
            resumed.SelectMany(s => s.Steps).Select(s => (s.Step, s.Planned, s.Changed, s.Held, s.FilesRemoved + s.FilesMissing)));
    }
}
