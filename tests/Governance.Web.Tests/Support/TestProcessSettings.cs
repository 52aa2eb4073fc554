using System.Runtime.CompilerServices;

namespace Governance.Web.Tests.Support;

/// <summary>
/// Settings of the test process itself, before any test runs: every test names its own databases, so the console's
/// command-line entry point (which each in-memory host goes through) must never start the developer's local cluster
/// in the repository's data folder. Without this, two hosts starting at once in a fresh clone raced to initialise it.
/// </summary>
internal static class TestProcessSettings
{
    [ModuleInitializer]
    internal static void Apply() => Environment.SetEnvironmentVariable("EmbeddedPostgres__AutoStart", "false");
}
