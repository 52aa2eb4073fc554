using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Governance.Core.DataMap;
using Governance.Core.Exports;
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
}
