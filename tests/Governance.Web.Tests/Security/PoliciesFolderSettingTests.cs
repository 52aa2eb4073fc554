using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Security;

/// <summary>Outside Development the policy files come from a named folder, never from a search above the working folder.</summary>
public sealed class PoliciesFolderSettingTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    public async Task Start_OutsideDevelopmentWithoutDataMapDirectory_RefusesSayingWhichSetting()
    {
        // The real binary in Production, started from a folder with policies/datamap above it (the repository).
        var settings = new Dictionary<string, string?>(databases.Settings) { ["DataMap:Directory"] = "" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Browser.ConsoleProcess.StartAsync(settings));

        Assert.Contains("error: DataMap:Directory is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithDataMapDirectory_ServesTheDataMapFromThatFolder()
    {
        using var console = new ConsoleFactory(databases.Settings);
        var client = await console.SignedInAsync(ConsoleDatabases.UserFor("PrivacyOfficer"));

        var page = await client.GetStringAsync("/datamap");

        Assert.Contains("push_token", page, StringComparison.Ordinal);
    }
}
