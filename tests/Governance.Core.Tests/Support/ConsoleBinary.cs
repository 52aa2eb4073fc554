namespace Governance.Tests.Support;

/// <summary>The console's built binary (Governance.Web.dll, in the tests' own configuration), for tests that run it as a process.</summary>
public static class ConsoleBinary
{
    public static string Path()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Governance.sln")))
            {
                var dll = System.IO.Path.Combine(dir.FullName, "src", "Governance.Web", "bin", configuration, "net10.0", "Governance.Web.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the console first ({configuration}): {dll} is missing.");
            }
        }

        throw new DirectoryNotFoundException("Governance.sln not found above the test binaries.");
    }
}
