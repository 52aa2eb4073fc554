using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Core.Tests.Requests;

/// <summary>The keys that encrypt attachments survive a restart and are kept where only the console's user can read them.</summary>
public sealed class DataProtectionKeysTests
{
    private static ServiceProvider Console(string dataDirectory) => new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Governance:DataDirectory"] = dataDirectory }).Build())
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
}
