using System.Text.Json;
using Governance.Core.Accounts;
using Governance.Core.ChatStores;
using Governance.Core.Database.Embedded;
using Governance.Jobs.Hosting;
using Governance.Web.Authentication;

namespace Governance.Web.Tests.Configuration;

/// <summary>appsettings.example.json documents every setting that an options class reads.</summary>
public sealed class ExampleSettingsTests
{
    private static string ExampleText()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "appsettings.example.json");
            if (File.Exists(file))
            {
                return File.ReadAllText(file);
            }
        }

        throw new FileNotFoundException("appsettings.example.json not found above the test binaries");
    }

    private static JsonElement Example() =>
        JsonDocument.Parse(ExampleText(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement;

    private static JsonElement At(JsonElement root, string path)
    {
        foreach (var part in path.Split(':'))
        {
            Assert.True(root.TryGetProperty(part, out root), $"appsettings.example.json has no '{path}'");
        }

        return root;
    }

    public static TheoryData<string, Type> Sections() => new()
    {
        { EmbeddedPostgresOptions.Section, typeof(EmbeddedPostgresOptions) },
        { $"{ChatStoreOptions.Section}:eu", typeof(ChatStoreOptions) },
        { LocalAccountOptions.Section, typeof(LocalAccountOptions) },
        { SignInOptions.Section, typeof(SignInOptions) },
        { $"{SignInOptions.Section}:Oidc", typeof(OidcSettings) },
        { JobsOptions.Section, typeof(JobsOptions) },
        { Governance.Core.DataMap.DataMapOptions.Section, typeof(Governance.Core.DataMap.DataMapOptions) },
        { Governance.Core.Requests.RequestOptions.Section, typeof(Governance.Core.Requests.RequestOptions) },
        { Governance.Core.Requests.SmtpOptions.Section, typeof(Governance.Core.Requests.SmtpOptions) },
        { Governance.Core.Requests.NotificationOptions.Section, typeof(Governance.Core.Requests.NotificationOptions) },
        { Governance.Web.Requests.ApiOAuthOptions.Section, typeof(Governance.Web.Requests.ApiOAuthOptions) },
        { Governance.Web.Security.ProxyOptions.Section, typeof(Governance.Web.Security.ProxyOptions) },
        { Governance.Web.Requests.IntakeLimitOptions.Section, typeof(Governance.Web.Requests.IntakeLimitOptions) },
    };

    [Theory]
    [MemberData(nameof(Sections))]
    public void Example_HasEveryPropertyOfTheOptionsClass(string section, Type options)
    {
        var node = At(Example(), section);
        foreach (var property in options.GetProperties().Where(p => p.CanWrite))
        {
            Assert.True(node.TryGetProperty(property.Name, out _), $"appsettings.example.json lacks {section}:{property.Name}");
        }
    }

    [Theory]
    [InlineData("Governance:DataDirectory")]
    [InlineData("ConnectionStrings:Governance")]
    [InlineData("Authentication:AzureAd:ClientId")]
    [InlineData("Urls")]
    [InlineData("DataProtection:KeysDirectory")]
    [InlineData("Audit:CheckpointFile")]
    public void Example_HasTheLooseSettings(string path) => At(Example(), path);

    [Fact]
    public void Example_HoldsNoSecretValues()
    {
        Assert.DoesNotMatch("(?i)\"(ClientSecret|Password)\"\\s*:\\s*\"[^\"]+\"", ExampleText());
    }
}
