using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Core.Tests.Requests;

/// <summary>The keys that encrypt attachments survive a restart and are kept where only the console's user can read them.</summary>
public sealed class DataProtectionKeysTests
{
    private static ServiceProvider Console(string dataDirectory, string? certificate = null, string? password = null) => new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Governance:DataDirectory"] = dataDirectory,
            ["DataProtection:CertificatePath"] = certificate,
            ["DataProtection:CertificatePassword"] = password,
        }).Build())
        .AddLogging()
        .AddGovernanceCore()
        .BuildServiceProvider();

    [Fact]
    public void Keys_LiveInTheDataFolder_OwnerOnly_AndASecondProcessReadsWhatTheFirstProtected()
    {
        var data = Path.Combine(Path.GetTempPath(), "gov-dp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string sealedText;
            using (var first = Console(data))
            {
                sealedText = first.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("letter content");
            }

            using var second = Console(data);
            var keys = Path.Combine(data, "keys");

            Assert.Equal("letter content", second.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(sealedText));
            Assert.Single(Directory.GetFiles(keys, "key-*.xml"));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void WithACertificate_TheKeysAreEncryptedAtRest_AndTheFolderAloneOpensNothing()
    {
        var data = Path.Combine(Path.GetTempPath(), "gov-dp-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        var pfx = Path.Combine(data, "keys-cert.pfx");
        using (var rsa = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=governance-keys", rsa,
                System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            File.WriteAllBytes(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "pfx-password"));
        }

        try
        {
            string sealedText;
            using (var first = Console(data, pfx, "pfx-password"))
            {
                sealedText = first.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("letter content");
            }

            var key = File.ReadAllText(Directory.GetFiles(Path.Combine(data, "keys"), "key-*.xml").Single());
            Assert.Contains("EncryptedData", key, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", key, StringComparison.Ordinal); // the raw master key is not in the file
            using (var withCertificate = Console(data, pfx, "pfx-password"))
            {
                Assert.Equal("letter content", withCertificate.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(sealedText));
            }

            using var folderOnly = Console(data);
            Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() =>
                folderOnly.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(sealedText));
            // A wrong password stops the start, naming the setting (the key would be unreadable otherwise).
            var error = Assert.Throws<InvalidOperationException>(() => Console(data, pfx, "not-it"));
            Assert.Contains("DataProtection:CertificatePassword", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
