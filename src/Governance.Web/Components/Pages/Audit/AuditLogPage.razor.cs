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
            ? "No entries match."
            : _page.Total == 1
                ? "1 entry matches."
                : $"{(_page.TotalIsLowerBound ? "More than " : "")}{_page.Total:N0} entries match.";

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
            _page = page;
            return GridItemsProviderResult.From(page.Rows.ToList(), (int)page.Total);
        };
        _status = await ChainStatus.GetAsync(Leaving);
    }

    private async Task ApplyAsync()
    {
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

        public AuditFilter ToFilter() => new(
            Blank(Actor), Blank(Action), Blank(TargetType), Blank(TargetId), Blank(Request), Blank(Outcome),
            From is { } f ? new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            To is { } t ? new DateTimeOffset(t.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null);

        private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    }
}
