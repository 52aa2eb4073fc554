using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
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

/// <summary>The password-protected copy handed to the person, read back by a reader written from the AES ZIP specification.</summary>
public sealed class PersonCopyTests
{
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:officer", ["PrivacyOfficer"]);

    [Fact]
    public async Task Copy_HoldsEveryFileOfThePackage_Aes256UnderAPasswordNotKept_AndGoesWithThePackage()
    {
        await using var world = await ErasureWorld.CreateAsync("personcopy");
        var (_, email) = await world.BusiestPersonAsync();
        var folder = Path.Combine(world.Blobs, "exports");
        var export = new RequestExport(world.Database, new PersonLocator(world.Stores, world.Catalog),
            new TransitionRequest(world.Database, world.Audit, TimeProvider.System, Support.ShippedRegulations.Catalog()), world.Audit,
            DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(folder, "keys"))),
            Options.Create(new ExportOptions { Folders = new Dictionary<string, string> { ["eu"] = Path.Combine(folder, "eu") } }),
            new ConfigurationBuilder().Build(), TimeProvider.System, []);
        var copies = new PersonCopy(world.Database, export, world.Audit);
        var request = await world.RequestAsync(null, email, type: "access");
        await export.StartAsync(request, Officer, CancellationToken.None);
        var package = Assert.Single(await export.RunAsync(request, AuditActor.Job("export"), CancellationToken.None));

        var made = await copies.MakeAsync(package.Id, Officer, CancellationToken.None);

        Assert.Matches("^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){4}$", made.Password);
        var path = Path.Combine(folder, "eu", $"{package.Id:N}.person.zip");
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal(made.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(made.Sha256, await TestPostgres.ScalarAsync<string>(world.Admin, $"select copy_sha256 from gov.exports where id = '{package.Id}'"));
        Assert.DoesNotContain(email, Encoding.UTF8.GetString(bytes), StringComparison.OrdinalIgnoreCase); // nothing readable without the password

        // Every entry is AES-256 (AE-2, deflated) and equals the package's own file.
        var expected = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var opened = new MemoryStream())
        {
            Assert.True(await export.OpenAsync(package, opened, CancellationToken.None));
            opened.Position = 0;
            using var zip = new ZipArchive(opened, ZipArchiveMode.Read);
            foreach (var e in zip.Entries)
            {
                using var content = new MemoryStream();
                await using (var s = e.Open())
                {
                    await s.CopyToAsync(content);
                }

                expected[e.FullName] = content.ToArray();
            }
        }

        var entries = WinZipAesReader.Read(bytes, made.Password);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(entries, e => Assert.Equal((3, 2, (ushort)8), (e.Strength, e.VendorVersion, e.ActualMethod)));
        Assert.All(entries, e => Assert.Equal(expected[e.Name], e.Data));
        Assert.Contains(entries, e => e.Name == "SHA256SUMS");
        Assert.Throws<CryptographicException>(() => WinZipAesReader.Read(bytes, "2222-2222-2222-2222-2222"));

        // The password is nowhere in the console's records.
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, $"select count(*) from gov.audit_log where details::text like '%{made.Password}%'"));
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, $"select count(*) from gov.exports where row(gov.exports.*)::text like '%{made.Password}%'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin,
            $"select count(*) from gov.audit_log where action = 'export.person-copy' and outcome = 'success' and target_id = '{package.Id}' and actor_id = 'local:officer'"));

        // Made again: a new password, and the first no longer opens it.
        var again = await copies.MakeAsync(package.Id, Officer, CancellationToken.None);
        Assert.NotEqual(made.Password, again.Password);
        var second = await File.ReadAllBytesAsync(path);
        Assert.Throws<CryptographicException>(() => WinZipAesReader.Read(second, made.Password));
        Assert.Equal(expected.Count, WinZipAesReader.Read(second, again.Password).Count);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(folder, "eu")).Length); // the package and one copy, no partial file

        // Expiry deletes the copy with the package; a copy of an expired package is refused, audited, and nothing is written.
        await TestPostgres.ScalarAsync<long>(world.Admin, $"with u as (update gov.exports set expires_at = now() - interval '1 minute' where id = '{package.Id}' returning 1) select count(*) from u");
        Assert.Null(await copies.OpenAsync(package, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<ValidationException>(() => copies.MakeAsync(package.Id, Officer, CancellationToken.None));
        Assert.Equal("package", Assert.Single(refused.Errors.Keys));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(world.Admin,
            $"select count(*) from gov.audit_log where action = 'export.person-copy' and outcome = 'denied' and target_id = '{package.Id}'"));
        Assert.Equal(1, await export.ExpireAsync(AuditActor.Job("export-expiry"), CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(folder, "eu")));
    }
}
