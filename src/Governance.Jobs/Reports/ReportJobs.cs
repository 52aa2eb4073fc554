using Governance.Core.Audit;
using Governance.Core.Reports;
using Hangfire;

namespace Governance.Jobs.Reports;

/// <summary>A report asked for on the Reports page: generated in the background as the person who asked (their id and roles are what the audit records).</summary>
public sealed class GenerateReportJob(ReportGenerator generator)
{
    [AutomaticRetry(Attempts = 1)]
    public async Task RunAsync(string kind, DateOnly? from, DateOnly? to, string language, string actorId, string[] actorRoles, CancellationToken ct)
    {
        var actor = new AuditActor(actorId.StartsWith("job:", StringComparison.Ordinal) ? AuditActorType.Job : AuditActorType.User, actorId, actorRoles);
        await generator.GenerateAsync(new ReportRequest(kind, from, to, language), actor, ct);
    }
}

/// <summary>Monthly, on the 1st: the request register and the audit log extract of the month before, in English.</summary>
public sealed class MonthlyReportsJob(ReportGenerator generator, TimeProvider time)
{
    public const string Id = "monthly-reports";

    [DisableConcurrentExecution(timeoutInSeconds: 1800)]
    [AutomaticRetry(Attempts = 2)]
    public async Task RunAsync(CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var first = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
        var last = first.AddMonths(1).AddDays(-1);
        foreach (var kind in ReportGenerator.Built)
        {
            await generator.GenerateAsync(new ReportRequest(kind, first, last, "en"), AuditActor.Job(Id), ct);
        }
    }
}
