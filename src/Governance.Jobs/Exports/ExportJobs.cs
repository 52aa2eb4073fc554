using Governance.Core.Audit;
using Governance.Core.Exports;
using Hangfire;

namespace Governance.Jobs.Exports;

/// <summary>Writes an approved request's packages once a person (or the API client) has started the export. Not retried on its own: a failed export is run again by a person.</summary>
public sealed class ExportJob(RequestExport export)
{
    public const string Actor = "export";

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(Guid requestId, CancellationToken ct) => export.RunAsync(requestId, AuditActor.Job(Actor), ct);
}

/// <summary>Hourly: deletes packages past their time, each deletion audited.</summary>
public sealed class ExpireExportsJob(RequestExport export)
{
    public const string Id = "expire-exports";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 2)]
    public Task RunAsync(CancellationToken ct) => export.ExpireAsync(AuditActor.Job(Id), ct);
}
