using Microsoft.Extensions.Configuration;

namespace Governance.Core.Database;

/// <summary>Where the console keeps its local files (embedded cluster, blobs of the demo chat store).</summary>
public static class GovernancePaths
{
    public const string DataDirectoryKey = "Governance:DataDirectory";

    /// <summary>The configured data folder, else <c>.data</c> beside the nearest Governance.sln above the working folder, else <c>./.data</c>.</summary>
    public static string DataDirectory(IConfiguration configuration)
    {
        var configured = configuration[DataDirectoryKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Governance.sln")))
            {
                return Path.Combine(dir.FullName, ".data");
            }
        }

        return Path.GetFullPath(".data");
    }
}
