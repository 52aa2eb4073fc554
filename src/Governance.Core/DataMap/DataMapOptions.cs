namespace Governance.Core.DataMap;

/// <summary>The <c>DataMap</c> section.</summary>
public sealed class DataMapOptions
{
    public const string Section = "DataMap";

    /// <summary>Folder of the data maps; empty means <c>policies/datamap</c> above the working folder.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Base64 key (32 bytes or more) of the keyed HMAC that pseudonymises on erasure. A secret: set it outside files.</summary>
    public string PseudonymKey { get; set; } = "";

    public string ResolveDirectory()
    {
        if (!string.IsNullOrWhiteSpace(Directory))
        {
            return Path.GetFullPath(Directory);
        }

        for (var dir = new DirectoryInfo(System.IO.Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "policies", "datamap");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.GetFullPath(Path.Combine("policies", "datamap"));
    }
}

/// <summary>Reads the data maps for the page (validated on each read; policy files are small).</summary>
public sealed class DataMapCatalog(Microsoft.Extensions.Options.IOptions<DataMapOptions> options)
{
    public DataMapSet Load() => DataMapLoader.LoadDirectory(options.Value.ResolveDirectory());
}
