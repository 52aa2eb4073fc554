using Governance.Web.Components.Shared;
using Governance.Web.Localization;
using Governance.Core.Reports;
using Governance.Core.Validation;
using Governance.Jobs.Reports;
using Governance.Web.Audit;
using Governance.Web.Reports;
using Hangfire;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Governance.Web.Components.Pages.Reports;

public sealed partial class ReportsPage
{
    private readonly ReportForm _form = new();
    private IReadOnlyList<string> _kinds = [];
    private List<StoredReport> _reports = [];
    private IReadOnlyDictionary<string, string> _problems = new Dictionary<string, string>();
    private string? _queued;
    private string _actorId = "";

    [Inject]
    private ReportArchive Archive { get; set; } = default!;

    [Inject]
    private IBackgroundJobClient Jobs { get; set; } = default!;

    [Inject]
    private CurrentActor Actor { get; set; } = default!;

    [Inject]
    private IAuthorizationService Authorization { get; set; } = default!;

    [Inject]
    private AuthenticationStateProvider Authentication { get; set; } = default!;

    [Inject]
    private Governance.Web.Security.DownloadLinks Links { get; set; } = default!;

    private static string KindName(string kind) => kind switch
    {
        ReportKinds.Requests => Text.Get("Data-subject request register and metrics"),
        ReportKinds.Audit => Text.Get("Audit log extract"),
        ReportKinds.Erasure => Text.Get("Certificate of erasure"),
        ReportKinds.Retention => Text.Get("Retention execution report"),
        _ => Text.Get("Records of processing"),
    };

    private static string PeriodOf(StoredReport r) => (r.PeriodFrom, r.PeriodTo) switch
    {
        (null, null) => r.Kind == ReportKinds.Erasure ? Text.Get("the request's erasure") : Text.Get("all time"),
        (var f, var t) => $"{(f is { } from ? When.Date(from) : "…")} – {(t is { } to ? When.Date(to) : "…")}",
    };

    [Inject]
    private Governance.Core.Requests.StaffDirectory Staff { get; set; } = default!;

    private IReadOnlyDictionary<string, Governance.Core.Requests.StaffMember> _names = new Dictionary<string, Governance.Core.Requests.StaffMember>();

    private string Who(string actorId) => ActorWords.Who(actorId, _names);

    private static string FieldName(string field) => field switch
    {
        "kind" => Text.Get("Report"),
        "from" => Text.Get("From"),
        "to" => Text.Get("To (included)"),
        "language" => Text.Get("Language of the report"),
        _ => field,
    };

    protected override async Task OnInitializedAsync()
    {
        _form.Language = Text.IsChinese ? "zh" : "en";
        _actorId = (await Actor.GetAsync()).Id;
        _kinds = await KindsAllowedAsync();
        _form.Kind = _kinds.FirstOrDefault() ?? ReportKinds.Requests;
        await RefreshAsync();
    }

    /// <summary>The kinds this person may generate and read: the audit extract only for those who may read the audit log.</summary>
    private async Task<IReadOnlyList<string>> KindsAllowedAsync()
    {
        var user = (await Authentication.GetAuthenticationStateAsync()).User;
        var kinds = new List<string>();
        foreach (var kind in ReportGenerator.Built)
        {
            if ((await Authorization.AuthorizeAsync(user, ReportPolicies.For(kind))).Succeeded)
            {
                kinds.Add(kind);
            }
        }

        return kinds;
    }

    private async Task RefreshAsync()
    {
        var all = await Archive.ListAsync(200, Leaving);
        // Certificates of erasure are generated on their request's page and read here by everyone the Reports page admits.
        _reports = all.Where(r => _kinds.Contains(r.Kind) || r.Kind == ReportKinds.Erasure).ToList();
        _names = await Staff.ByIdAsync(_reports.Select(r => r.GeneratedBy), Leaving);
    }

    private async Task GenerateAsync()
    {
        _queued = null;
        var request = new ReportRequest(_form.Kind, _form.From, _form.To, _form.Language);
        try
        {
            if (!_kinds.Contains(request.Kind))
            {
                throw ValidationException.For("report", "kind", Text.Get("Your role may not generate this report."));
            }

            request.Validate();
        }
        catch (ValidationException ex)
        {
            _problems = ex.Errors.ToDictionary(e => e.Key, e => string.Join(" ", e.Value));
            return;
        }

        _problems = new Dictionary<string, string>();
        var actor = await Actor.GetAsync();
        Jobs.Enqueue<GenerateReportJob>(j => j.RunAsync(request.Kind, request.From, request.To, request.Language, actor.Id, actor.Roles.ToArray(), CancellationToken.None));
        _queued = Text.Format("{0} is being generated: it appears below when it is ready (usually within seconds; use “Refresh the list”).", KindName(request.Kind));
        await RefreshAsync();
    }

    private sealed class ReportForm
    {
        public string Kind { get; set; } = ReportKinds.Requests;

        public DateOnly? From { get; set; }

        public DateOnly? To { get; set; }

        public string Language { get; set; } = "en";
    }
}
