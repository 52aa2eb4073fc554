namespace Governance.Web;

/// <summary>Where settings come from, for the web host and the command line alike.</summary>
public static class GovernanceConfiguration
{
    /// <summary>Optional extra JSON settings file (e.g. one kept outside the repository with deployment values).</summary>
    public const string SettingsFileVariable = "GOV_SETTINGS_FILE";

    public static IConfigurationBuilder AddGovernanceSettingsFile(this IConfigurationBuilder builder)
    {
        var file = Environment.GetEnvironmentVariable(SettingsFileVariable);
        if (!string.IsNullOrWhiteSpace(file))
        {
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"{SettingsFileVariable} names {file}, which does not exist.");
            }

            builder.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
            builder.AddEnvironmentVariables(); // environment variables still win over the file
        }

        return builder;
    }

    /// <summary>The configuration the command line uses: appsettings.json beside the binary, the environment's file, the settings file, environment variables.</summary>
    public static IConfiguration ForCommandLine()
    {
        var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production";
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .AddGovernanceSettingsFile()
            .Build();
    }
}
