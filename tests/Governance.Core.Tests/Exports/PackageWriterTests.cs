using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Governance.Core.DataMap;
using Governance.Core.Exports;
using Governance.Core.Tests.DataMap;
using Governance.Core.Tests.Erasure;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.Exports;

/// <summary>A person's access package from the seeded reference store, against what the store says by direct SQL.</summary>
public sealed class PackageWriterTests
{
    [Fact]
    public async Task Package_HoldsThePersonsRowsAndFiles_NoOneElsesAddress_AndItsHashesCheckWithSha256sum()
    {
        await using var world = await ErasureWorld.CreateAsync("export");
        var (person, email) = await world.BusiestPersonAsync();
        var store = world.Stores.Get("eu");
        var map = Assert.Single(world.Catalog.Load().Maps);
        var plan = new DataMapPlanner(map, "eu", await StoreSchema.LoadAsync(store.DataSource, CancellationToken.None)).Access(IdentityKind.Email, email);
        await using var connection = new NpgsqlConnection(world.StoreConnections["eu"]);
        // The person's own rows, as the map relates them (written here from policies/datamap/chat.yaml).
        var truth = new Dictionary<(string Collection, string How), long>
        {
            [("messages", "author (sender_id)")] = await connection.ExecuteScalarAsync<long>("select count(*) from messages where sender_id = @person", new { person }),
            [("devices", "owner (user_id)")] = await connection.ExecuteScalarAsync<long>("select count(*) from devices where user_id = @person", new { person }),
            [("attachments", "author (uploader_id)")] = await connection.ExecuteScalarAsync<long>("select count(*) from attachments where uploader_id = @person", new { person }),
            [("messages", "mentioned (mentions)")] = await connection.ExecuteScalarAsync<long>("select count(*) from messages where mentions @> array[@person]", new { person }),
        };
        var othersEmails = (await connection.QueryAsync<string>("select email from users where id <> @person", new { person })).ToList();

        using var output = new MemoryStream();
        var entries = await PackageWriter.WriteAsync(plan, store, new PackageWriter.Source("DSR-2026-000042", "eu", "eu", DateTimeOffset.UtcNow), output, CancellationToken.None);

        output.Position = 0;
        using var zip = new ZipArchive(output, ZipArchiveMode.Read);
        string Text(string name)
        {
            using var reader = new StreamReader(zip.GetEntry(name)!.Open());
            return reader.ReadToEnd();
        }

        // Own rows, per collection, as the store counts them: in JSON Lines and in CSV (plus its header).
        using var manifest = JsonDocument.Parse(Text("manifest.json"));
        foreach (var ((collection, how), count) in truth)
        {
            var own = manifest.RootElement.GetProperty("collections").EnumerateArray()
                .Single(c => c.GetProperty("collection").GetString() == collection && c.GetProperty("what").GetString()!.StartsWith($"rows where the person is {how}", StringComparison.Ordinal));
            Assert.Equal(count, own.GetProperty("rows").GetInt64());
            Assert.Equal(count, Text(own.GetProperty("file").GetString()!).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(count + 1, Text(own.GetProperty("csv").GetString()!).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        }

        // The person's files, byte for byte.
        var files = (await connection.QueryAsync<string>("select blob_path from attachments where uploader_id = @person", new { person })).ToList();
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            using var content = new MemoryStream();
            zip.GetEntry("files/" + f)!.Open().CopyTo(content);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(world.Blobs, "eu", f)), content.ToArray());
        }

        // The person's own address is there; nobody else's is, anywhere in the package.
        var all = string.Join("\n", zip.Entries.Where(e => !e.FullName.StartsWith("files/", StringComparison.Ordinal)).Select(e => Text(e.FullName)));
        Assert.Contains(email, all, StringComparison.OrdinalIgnoreCase);
        Assert.All(othersEmails, other => Assert.DoesNotContain(other, all, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("# 您的个人数据：DSR-2026-000042", Text("README.zh-CN.md"), StringComparison.Ordinal);

        // sha256sum itself checks every file against SHA256SUMS.
        var folder = Path.Combine(world.Blobs, "unpacked");
        zip.ExtractToDirectory(folder);
        var check = new ProcessStartInfo("sha256sum", ["-c", "--strict", "SHA256SUMS"]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(check)!;
        var said = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, said + await process.StandardError.ReadToEndAsync());
        Assert.Equal(zip.Entries.Count - 1, said.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.EndsWith(": OK", StringComparison.Ordinal)));
        Assert.Equal(entries.Count, zip.Entries.Count - 1);
        Assert.All(entries, e => Assert.Equal(e.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, e.Name))))));
    }

    [Fact]
    public async Task FederatedFixture_PackageHoldsTheRowsCheckedByHand_AndItsContextFilesNoOneElsesIdOrContent()
    {
        await using var fx = await FixtureStore.CreateAsync("federated");
        var blobs = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "blobs-fxpkg-" + Guid.NewGuid().ToString("N")[..8]);
        await using var registry = new Governance.Core.ChatStores.ChatStoreRegistry([new Governance.Core.Database.ResolvedStore(fx.Map.Stores[0], "eu", fx.ConnectionString, blobs)]);
        using var output = new MemoryStream();

        await PackageWriter.WriteAsync(fx.Planner().Access(IdentityKind.Email, "alice@mail.example"), registry.Get(fx.Map.Stores[0]),
            new PackageWriter.Source("DSR-2026-000043", fx.Map.Stores[0], "eu", DateTimeOffset.UtcNow), output, CancellationToken.None);

        output.Position = 0;
        using var zip = new ZipArchive(output, ZipArchiveMode.Read);
        using var manifest = JsonDocument.Parse(new StreamReader(zip.GetEntry("manifest.json")!.Open()).ReadToEnd());
        var collections = manifest.RootElement.GetProperty("collections").EnumerateArray().ToList();
        IEnumerable<JsonElement> Lines(JsonElement c) => new StreamReader(zip.GetEntry(c.GetProperty("file").GetString()!)!.Open()).ReadToEnd()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement);
        bool IsOwn(JsonElement c) => c.GetProperty("what").GetString() is { } w
            && (w == "the person's own record" || (w.StartsWith("rows where the person is", StringComparison.Ordinal) && !w.Contains("key and metadata only", StringComparison.Ordinal)));

        // The person's own events, as FederatedSchemaTests checks them by hand.
        var ownEvents = collections.Where(c => c.GetProperty("collection").GetString() == "events" && IsOwn(c))
            .SelectMany(Lines).Select(r => r.GetProperty("event_id").GetString()!).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["$j1", "$j2", "$m1"], ownEvents);

        // Other people's rows and the context: no one else's id or words, in either format.
        var others = collections.Where(c => !IsOwn(c)).ToList();
        Assert.NotEmpty(others);
        foreach (var c in others)
        {
            foreach (var file in new[] { c.GetProperty("file").GetString()!, c.GetProperty("csv").GetString()! })
            {
                var text = new StreamReader(zip.GetEntry(file)!.Open()).ReadToEnd();
                Assert.DoesNotContain("@bob", text, StringComparison.Ordinal);
                Assert.DoesNotContain("@carol", text, StringComparison.Ordinal);
                Assert.DoesNotContain("thanks", text, StringComparison.Ordinal);
            }
        }
    }
}
