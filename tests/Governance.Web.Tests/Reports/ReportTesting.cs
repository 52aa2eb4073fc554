using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Reports;
using Governance.Core.Requests;
using Governance.Jobs.Reports;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Governance.Web.Tests.Reports;

/// <summary>A report generator on a test database, with the repository's policy files and the given stores.</summary>
internal static class ReportTesting
{
    public static ReportGenerator Generator(GovernanceDatabase database, IReadOnlyList<ResolvedStore>? stores = null)
    {
        var policies = Options.Create(new DataMapOptions { Directory = ConsoleDatabases.PoliciesFolder() });
        var audit = new AuditLog(database, new AuditSealSignal());
        var retention = new Governance.Core.Retention.RetentionCatalog(policies, new DataMapCatalog(policies));
        var purge = new Governance.Core.Retention.RetentionPurge(database, new Governance.Core.ChatStores.ChatStoreRegistry(stores ?? []), retention,
            new Governance.Core.Holds.LegalHolds(database, audit, TimeProvider.System), audit, new Governance.Core.Retention.RetentionOptions(), TimeProvider.System);
        return new ReportGenerator(database, new AuditQuery(database), new AuditVerifier(database), new ReportArchive(database, audit),
            new DataMapCatalog(policies), new RegulationsCatalog(policies), new ResolvedConnections("", "", stores ?? [], null),
            new StaffDirectory(database, TimeProvider.System), retention, purge, TimeProvider.System);
    }
}

/// <summary>A migrated governance database of the test class's own, the application role's data source on it, and reading a PDF back.</summary>
public abstract class ReportDatabaseTests(string prefix) : IAsyncLifetime
{
    /// <summary>The owner's connection, for the truth by direct SQL and for seeding.</summary>
    protected string Admin { get; private set; } = "";

    protected GovernanceDatabase Database { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        var (admin, app) = await MigratedDatabase.CreateAsync(prefix);
        Admin = admin;
        Database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(Admin);
    }

    protected ReportGenerator Generator(IReadOnlyList<ResolvedStore>? stores = null) => ReportTesting.Generator(Database, stores);

    /// <summary>The text of every page, in reading order.</summary>
    protected static string[] Pages(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return document.GetPages().Select(p => ContentOrderTextExtractor.GetText(p)).ToArray();
    }
}
