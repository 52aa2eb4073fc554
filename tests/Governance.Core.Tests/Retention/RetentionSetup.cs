using Governance.Core.DataMap;
using Governance.Core.Retention;
using Governance.Core.Tests.Erasure;
using Governance.Tests.Support;

namespace Governance.Core.Tests.Retention;

/// <summary>A policies folder of a test's own (the repository's data maps, the test's retention rules) and the retention services on a seeded world.</summary>
public sealed class RetentionSetup(ErasureWorld world, string folder, TimeProvider clock)
{
    public RetentionOptions Options { get; } = new() { BatchSize = 40, MinBatchSize = 10, MaxBatchSize = 80, PauseFactor = 0, MinPauseMs = 0 };

    public RetentionPurge Purge(RetentionArchive? archive = null) => new(world.Database, world.Stores, Catalog(), world.Holds, world.Audit, Options, clock, archive);

    public RetentionPreview Preview() => new(Catalog(), world.Stores, world.Holds, clock);

    private RetentionCatalog Catalog()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new DataMapOptions { Directory = Path.Combine(folder, "datamap"), PseudonymKey = world.Options.Value.PseudonymKey });
        return new RetentionCatalog(options, new DataMapCatalog(options));
    }

    /// <summary>An archive in <paramref name="folder"/> for every region, its keys protected by a provider of this process alone.</summary>
    public RetentionArchive Archive(string folder)
    {
        Options.ArchiveFolders = new(StringComparer.Ordinal) { ["eu"] = Path.Combine(folder, "eu"), ["us"] = Path.Combine(folder, "us"), ["cn"] = Path.Combine(folder, "cn") };
        return new RetentionArchive(world.Database, new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider(),
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), Options);
    }

    public void Rules(string rules)
    {
        Directory.CreateDirectory(Path.Combine(folder, "datamap"));
        foreach (var file in Directory.GetFiles(RepositoryFolders.Policies(), "*.yaml"))
        {
            File.Copy(file, Path.Combine(folder, "datamap", Path.GetFileName(file)), overwrite: true);
        }

        Directory.CreateDirectory(Path.Combine(folder, "retention"));
        File.WriteAllText(Path.Combine(folder, "retention", "rules.yaml"), "version: 1\nmap: chat\nrules:\n" + rules);
    }
}
