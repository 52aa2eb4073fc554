using Governance.Core.Audit;

namespace Governance.Tests.Support;

/// <summary>
/// Sealing in tests. The sealer only takes entries older than every write transaction still open anywhere on the
/// server (other test classes run beside this one, in other databases of the same cluster), so one pass may seal
/// nothing: these wait, sealing again, until the database says the chain has caught up.
/// </summary>
public static class Sealing
{
    /// <summary>Seals until every committed entry of the database behind <paramref name="admin"/> is in the chain.</summary>
    public static Task EverythingAsync(AuditSealer sealer, string admin) => UntilAsync(sealer, admin,
        "select count(*) from gov.audit_log e where not exists (select 1 from gov.audit_chain c where c.entry_id = e.id)");

    /// <summary>Seals until the chain holds <paramref name="positions"/> positions.</summary>
    public static Task PositionsAsync(AuditSealer sealer, string admin, long positions) => UntilAsync(sealer, admin,
        $"select greatest(0, {positions} - (select count(*) from gov.audit_chain))");

    private static async Task UntilAsync(AuditSealer sealer, string admin, string waitingSql)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            await sealer.SealAllAsync(CancellationToken.None);
            var waiting = await TestPostgres.ScalarAsync<long>(admin, waitingSql);
            if (waiting == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{waiting} audit entries were still unsealed after 120 s");
            }

            await Task.Delay(50);
        }
    }
}
