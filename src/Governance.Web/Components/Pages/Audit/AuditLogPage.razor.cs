using Governance.Web.Components.Shared;
using Governance.Web.Localization;
using System.Globalization;
using Governance.Core.Audit;
using Governance.Web.Audit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Governance.Web.Components.Pages.Audit;

public sealed partial class AuditLogPage
{
    private readonly PaginationState _pagination = new() { ItemsPerPage = 50 };
    private readonly FilterForm _form = new();
    private FluentDataGrid<AuditRow>? _grid;
    private GridItemsProvider<AuditRow> _provider = default!;
    private AuditFilter _filter = new();
    private AuditSort _sort = AuditSort.NewestFirst;
    private AuditFilter? _recorded;
    private IReadOnlyDictionary<string, string> _problems = new Dictionary<string, string>();
    private Governance.Core.Audit.AuditPage? _page;
    private AuditRow? _selected;
    private ChainStatus? _status;

    [Inject]
    private ReviewAuditLog Review { get; set; } = default!;

    [Inject]
    private Governance.Core.Requests.StaffDirectory Staff { get; set; } = default!;

    [Inject]
    private Governance.Core.Requests.RequestList Requests { get; set; } = default!;

    private IReadOnlyDictionary<string, Governance.Core.Requests.StaffMember> _names = new Dictionary<string, Governance.Core.Requests.StaffMember>();
    private IReadOnlyDictionary<Guid, string> _references = new Dictionary<Guid, string>();

    /// <summary>A member of staff by name (the id is on hover); jobs, clients and unknown people by their id.</summary>
    private string Who(string actorId) => ActorWords.Who(actorId, _names);

    /// <summary>A person's name is written as it is in every language.</summary>
    private bool IsPerson(string actorId) => _names.ContainsKey(actorId);

    private static string Outcome(string outcome) => outcome switch
    {
        "success" => Text.Get("success"),
        "failure" => Text.Get("failure"),
        "denied" => Text.Get("access denied"),
        _ => outcome,
    };

    [Inject]
    private AuditChainStatus ChainStatus { get; set; } = default!;

    [Inject]
    private CurrentActor Actor { get; set; } = default!;

    [Inject]
    private Governance.Web.Security.DownloadLinks Links { get; set; } = default!;

    /// <summary>Who is looking: the export link is signed for them alone.</summary>
    private string _actorId = "";

    private string CountText => _page is null
        ? ""
        : _page.Total == 0
            ? Text.Get("No entries match.")
            : _page.Total == 1
                ? Text.Get("1 entry matches.")
                : _page.TotalIsLowerBound ? Text.Format("More than {0} entries match.", _page.Total.ToString("N0")) : Text.Format("{0} entries match.", _page.Total.ToString("N0"));

    private string ExportHref
    {
        get
        {
            var q = new List<string>();
            void Add(string key, string? value)
            {
                if (!string.IsNullOrWhiteSpace(value))
                {
                    q.Add($"{key}={Uri.EscapeDataString(value)}");
                }
            }

            Add("actor", _filter.ActorId);
            Add("action", _filter.Action);
            Add("targetType", _filter.TargetType);
            Add("targetId", _filter.TargetId);
            Add("request", _filter.RequestId);
            Add("outcome", _filter.Outcome);
            Add("from", _filter.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Add("to", _filter.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Add("sort", _sort.ToString());
            return Links.Sign(_actorId, "/audit/export.csv" + (q.Count == 0 ? "" : "?" + string.Join('&', q)));
        }
    }

    protected override async Task OnInitializedAsync()
    {
        _actorId = (await Actor.GetAsync()).Id;
        _provider = async request =>
        {
            var actor = await Actor.GetAsync();
            // Reading the audit log is itself audited, once for each filter a person applies (not for each page).
            var record = _recorded != _filter;
            var page = await Review.SearchAsync(actor, _filter, _sort, request.StartIndex, request.Count ?? _pagination.ItemsPerPage, record, request.CancellationToken);
            _recorded = _filter;
            // People by name and requests by reference, for the rows of this page only.
            _names = await Staff.ByIdAsync(page.Rows.Select(r => r.ActorId), request.CancellationToken);
            _references = await Requests.ReferencesAsync(page.Rows.SelectMany(r => new[] { r.RequestId, r.TargetType == "request" ? r.TargetId : null }), request.CancellationToken);
            _page = page;
            return GridItemsProviderResult.From(page.Rows.ToList(), (int)page.Total);
        };
        _status = await ChainStatus.GetAsync(Leaving);
    }

    private async Task ApplyAsync()
    {
        // A request may be named by its reference: the log keeps the id.
        if (_form.Request is { } asked && asked.Trim().StartsWith("DSR-", StringComparison.OrdinalIgnoreCase))
        {
            if (await Requests.IdOfAsync(asked.Trim().ToUpperInvariant(), Leaving) is { } found)
            {
                _form.Request = found.ToString();
            }
            else
            {
                _problems = new Dictionary<string, string> { [Text.Get("Request (reference or id)")] = Text.Get("No request has this reference.") };
                return;
            }
        }

        var candidate = _form.ToFilter();
        _problems = candidate.Problems();
        if (_problems.Count > 0)
        {
            return;
        }

        _filter = candidate;
        _sort = _form.Sort;
        _selected = null;
        await _pagination.SetCurrentPageIndexAsync(0);
        if (_grid is not null)
        {
            await _grid.RefreshDataAsync();
        }
    }

    private sealed class FilterForm
    {
        public string? Actor { get; set; }

        public string? Action { get; set; }

        public string? TargetType { get; set; }

        public string? TargetId { get; set; }

        public string? Request { get; set; }

        public string? Outcome { get; set; }

        public DateOnly? From { get; set; }

        public DateOnly? To { get; set; }

        public AuditSort Sort { get; set; } = AuditSort.NewestFirst;

        public string SortChoice
        {
            get => Sort.ToString();
            set => Sort = Enum.TryParse<AuditSort>(value, out var s) ? s : AuditSort.NewestFirst;
        }

        public string OutcomeChoice
        {
            get => Outcome ?? "";
            set => Outcome = string.IsNullOrEmpty(value) ? null : value;
        }

        public AuditFilter ToFilter() => new(
            Blank(Actor), Blank(Action), Blank(TargetType), Blank(TargetId), Blank(Request), Blank(Outcome),
            From is { } f ? new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            To is { } t ? new DateTimeOffset(t.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null);

        private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    }
}
