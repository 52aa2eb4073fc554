using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Governance.Core.Audit;
using Governance.Core.Exports;
using Governance.Core.Requests;
using Governance.Core.Tests.Erasure;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Governance.Core.Tests.Exports;

/// <summary>An approved access request exported from the seeded stores: the package per region, encrypted at rest, opened, and expired.</summary>
public sealed class RequestExportTests
{
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:officer", ["PrivacyOfficer"]);

    private static RequestExport Export(ErasureWorld world, string folder) => new(world.Database, new PersonLocator(world.Stores, world.Catalog),
        new TransitionRequest(world.Database, world.Audit, TimeProvider.System, Support.ShippedRegulations.Catalog()), world.Audit,
        DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(folder, "keys"))),
        Options.Create(new ExportOptions { Folders = new Dictionary<string, string> { ["eu"] = Path.Combine(folder, "eu"), ["us"] = Path.Combine(folder, "us"), ["cn"] = Path.Combine(folder, "cn") } }),
        new ConfigurationBuilder().Build(), TimeProvider.System, []);

    [Fact]
    public async Task Export_WritesOnePackagePerRegionWhereThePersonIs_EncryptedAtRest_OpensAsTheZip_AndExpires()
    {
        await using var world = await ErasureWorld.CreateAsync("exportrun");
        var (_, email) = await world.BusiestPersonAsync();
        var folder = Path.Combine(world.Blobs, "exports");
        var export = Export(world, folder);
        var request = await world.RequestAsync(null, email, type: "access");
        var erasure = await world.RequestAsync(null, email, type: "erasure");
        Assert.Equal("type", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => export.StartAsync(erasure, Officer, CancellationToken.None))).Errors.Keys));

        await export.StartAsync(request, Officer, CancellationToken.None);
        var packages = await export.RunAsync(request, AuditActor.Job("export"), CancellationToken.None);

        Assert.Equal("Completed", await world.StateAsync(request));
        var package = Assert.Single(packages); // the person is in eu only
        Assert.Equal(("eu", "ready"), (package.Region, package.State));
        var files = Directory.GetFiles(Path.Combine(folder, "eu"));
        var file = Assert.Single(files);
        Assert.False(Directory.Exists(Path.Combine(folder, "us")) && Directory.EnumerateFileSystemEntries(Path.Combine(folder, "us")).Any()); // never outside its region
        var raw = await File.ReadAllBytesAsync(file);
        Assert.Equal(package.Sha256, Convert.ToHexStringLower(SHA256.HashData(raw)));
        Assert.Equal("GOVPKG1\0", System.Text.Encoding.ASCII.GetString(raw, 0, 8)); // not a readable ZIP at rest
        Assert.NotEqual("PK", System.Text.Encoding.ASCII.GetString(raw, 0, 2));

        using var opened = new MemoryStream();
        Assert.True(await export.OpenAsync(package, opened, CancellationToken.None));
        opened.Position = 0;
        using (var zip = new ZipArchive(opened, ZipArchiveMode.Read))
        {
            using var manifest = JsonDocument.Parse(new StreamReader(zip.GetEntry("manifest.json")!.Open()).ReadToEnd());
            Assert.Equal(await TestPostgres.ScalarAsync<string>(world.Admin, $"select reference from gov.requests where id = '{request}'"), manifest.RootElement.GetProperty("request").GetString());
            Assert.Equal(package.Rows, manifest.RootElement.GetProperty("collections").EnumerateArray().Sum(c => c.GetProperty("rows").GetInt64()));
        }

        // Past its time the package is deleted, its key with it, and the deletion audited.
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin,
            $"with u as (update gov.exports set expires_at = now() - interval '1 minute' where id = '{package.Id}' returning 1) select count(*) from u"));
        Assert.Equal(1, await export.ExpireAsync(AuditActor.Job("export-expiry"), CancellationToken.None));
        Assert.False(File.Exists(file));
        Assert.False(await export.OpenAsync(package, new MemoryStream(), CancellationToken.None));
        Assert.Equal("expired|true", await TestPostgres.ScalarAsync<string>(world.Admin, $"select state || '|' || (key_protected is null) from gov.exports where id = '{package.Id}'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin, $"select count(*) from gov.audit_log where action = 'export.expire' and target_id = '{package.Id}'"));
    }

    [Fact]
    public async Task Export_WhoseStoreConnectionIsKilledMidway_FailsWithNoPackage_AndRunAgainGivesTheWholePackage()
    {
        await using var world = await ErasureWorld.CreateAsync("exportkill");
        var (person, email) = await world.BusiestPersonAsync();
        var folder = Path.Combine(world.Blobs, "exports");
        var export = Export(world, folder);
        var request = await world.RequestAsync(null, email, type: "access");
        await export.StartAsync(request, Officer, CancellationToken.None);

        // The chat system takes the messages table for itself: the package's read of it waits there, midway through the
        // writing, and that connection is killed.
        await using (var chat = new Npgsql.NpgsqlConnection(world.StoreConnections["eu"]))
        {
            await chat.OpenAsync();
            await using var holding = await chat.BeginTransactionAsync();
            await using (var take = new Npgsql.NpgsqlCommand("lock table messages in access exclusive mode", chat, holding))
            {
                await take.ExecuteNonQueryAsync();
            }

            var running = export.RunAsync(request, AuditActor.Job("export"), CancellationToken.None);
            while (await world.StoreScalarAsync<long>("eu", "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'") == 0)
            {
                Assert.False(running.IsCompleted, "the export ended before it reached the locked table");
                await Task.Delay(20);
            }

            Assert.Equal(1, await world.StoreScalarAsync<long>("eu",
                "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"));
            await running;
            await holding.RollbackAsync();
        }

        Assert.Equal("Failed", await world.StateAsync(request));
        Assert.Empty(Directory.Exists(Path.Combine(folder, "eu")) ? Directory.GetFiles(Path.Combine(folder, "eu")) : []); // no partial package is kept
        Assert.Equal("failed", await TestPostgres.ScalarAsync<string>(world.Admin, $"select string_agg(state, ',') from gov.exports where request_id = '{request}'"));
        Assert.StartsWith("Export stopped: eu:", await TestPostgres.ScalarAsync<string>(world.Admin,
            $"select reason from gov.request_events where request_id = '{request}' and to_state = 'Failed'"), StringComparison.Ordinal);

        Npgsql.NpgsqlConnection.ClearAllPools();
        await export.StartAsync(request, Officer, CancellationToken.None); // run again from Failed
        var package = Assert.Single(await export.RunAsync(request, AuditActor.Job("export"), CancellationToken.None), p => p.State == "ready");

        Assert.Equal("Completed", await world.StateAsync(request));
        using var opened = new MemoryStream();
        Assert.True(await export.OpenAsync(package, opened, CancellationToken.None));
        opened.Position = 0;
        using var zip = new ZipArchive(opened, ZipArchiveMode.Read);
        using var manifest = JsonDocument.Parse(new StreamReader(zip.GetEntry("manifest.json")!.Open()).ReadToEnd());
        var own = manifest.RootElement.GetProperty("collections").EnumerateArray()
            .Single(c => c.GetProperty("collection").GetString() == "messages" && c.GetProperty("what").GetString()!.StartsWith("rows where the person is author", StringComparison.Ordinal));
        Assert.Equal(await world.StoreScalarAsync<long>("eu", "select count(*) from messages where sender_id = @person", new { person }), own.GetProperty("rows").GetInt64());
        Assert.Single(Directory.GetFiles(Path.Combine(folder, "eu")));
    }
}
