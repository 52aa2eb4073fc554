using System.Net;
using Governance.Core.Database;
using Governance.Jobs.Hosting;
using Governance.Tests.Support;
using Governance.Web.Tests.Browser;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Governance.Web.Tests.Security;

/// <summary>The first Admin's generated password can go to an owner-only file instead of the console.</summary>
public sealed class InitialAdminFileTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task FirstStart_WithAPasswordFile_WritesItOwnerOnly_PrintsOnlyWhereItIs_AndThePasswordSignsIn()
    {
        var governance = await TestPostgres.CreateDatabaseAsync("firstadmin");
        var file = Path.Combine(databases.Work, "secrets-" + Guid.NewGuid().ToString("N")[..6], "admin-password.txt");
        try
        {
            var migrator = new GovernanceMigrator(governance, NullLogger.Instance);
            await migrator.MigrateAsync(CancellationToken.None);
            await HangfireSchema.InstallAsync(governance, "hangfire", CancellationToken.None);
            await migrator.ApplyGrantsAsync("hangfire", CancellationToken.None);
            var settings = new Dictionary<string, string?>(databases.Settings)
            {
                ["ConnectionStrings:Governance"] = MigratedDatabase.AppConnection(governance),
                ["Authentication:Local:InitialAdminPasswordFile"] = file,
            };

            await using var console = await ConsoleProcess.StartAsync(settings);

            Assert.True(File.Exists(file), console.Output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var password = (await File.ReadAllTextAsync(file)).Trim();
            Assert.Equal(20, password.Length);
            Assert.DoesNotContain(password, console.Output, StringComparison.Ordinal);
            Assert.Contains("readable by this user only", console.Output, StringComparison.Ordinal);

            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(console.BaseUrl) };
            var response = await ConsoleFactory.PostLoginAsync(http, "admin", password, "/");
            Assert.Equal("/", response.Headers.Location?.OriginalString);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(governance);
        }
    }
}
