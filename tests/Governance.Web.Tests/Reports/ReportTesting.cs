using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Reports;
using Governance.Core.Requests;
using Governance.Jobs.Reports;
using Governance.Web.Tests.Support;
using Microsoft.Extensions.Options;

namespace Governance.Web.Tests.Reports;

/// <summary>A report generator on a test database, with the repository's policy files and the given stores.</summary>
internal static class ReportTesting
{
    public static ReportGenerator Generator(GovernanceDatabase database, IReadOnlyList<ResolvedStore>? stores = null)
    {
        var policies = Options.Create(new DataMapOptions { Directory = ConsoleDatabases.PoliciesFolder() });
        return new ReportGenerator(database, new AuditQuery(database), new AuditVerifier(database), new ReportArchive(database, new AuditLog(database, new AuditSealSignal())),
            new DataMapCatalog(policies), new RegulationsCatalog(policies), new ResolvedConnections("", "", stores ?? [], null), TimeProvider.System);
    }
}
