namespace Governance.Tests.Support;

/// <summary>Folders of the repository the tests run from, found above the test binaries.</summary>
public static class RepositoryFolders
{
    /// <summary>The folder below the repository's root with this relative path (e.g. policies/datamap, tests/oidc-provider).</summary>
    public static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var folder = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(folder))
            {
                return folder;
            }
        }

        throw new DirectoryNotFoundException($"{relative} not found above the test binaries");
    }

    public static string Policies() => Find(Path.Combine("policies", "datamap"));
}
