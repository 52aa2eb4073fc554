using Governance.Web.Localization;
using Governance.Core.Holds;
using Governance.Core.Validation;
using Governance.Web.Audit;
using Microsoft.AspNetCore.Components;

namespace Governance.Web.Components.Pages.Holds;

/// <summary>The fields of a new hold or an extension, as typed.</summary>
public sealed class HoldForm
{
    public string? Matter { get; set; }
    public string? Users { get; set; }
    public string? Conversations { get; set; }
    public string? Tenant { get; set; }
    public string? Store { get; set; }
    public DateOnly? From { get; set; }
    public DateOnly? To { get; set; }
    public DateOnly? ReviewOn { get; set; }
    public string? Reason { get; set; }

    /// <summary>Custodians found by their e-mail address, each with the store they were found in.</summary>
    public List<HoldScope> Found { get; } = [];

    public IReadOnlyList<HoldScope> Scope()
    {
        var store = string.IsNullOrWhiteSpace(Store) ? null : Store.Trim();
        return Found.Concat(Lines(Users).Select(v => new HoldScope(HoldScopeKind.User, v, store)))
            .Concat(Lines(Conversations).Select(v => new HoldScope(HoldScopeKind.Conversation, v, store)))
            .Concat(Lines(Tenant).Select(v => new HoldScope(HoldScopeKind.Tenant, v, store)))
            .ToList();
    }

    private static IEnumerable<string> Lines(string? text) =>
        (text ?? "").Split(['\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal);
}

public sealed partial class HoldsPage
{
    private IReadOnlyList<LegalHold> _holds = [];
    private bool _showReleased;
    private HoldForm _new = new();
    private HoldForm _change = new();
    private LegalHold? _selected;
    private string _releaseReason = "";
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();
    private IReadOnlyDictionary<string, string[]> _newErrors = new Dictionary<string, string[]>();
    private string? _message;

    [Inject]
    private LegalHolds Holds { get; set; } = default!;

    [Inject]
    private CurrentActor Actor { get; set; } = default!;

    [Inject]
    private CustodianNames Names { get; set; } = default!;

    [Inject]
    private Governance.Core.Requests.StaffDirectory Staff { get; set; } = default!;

    /// <summary>The staff who created and released the holds shown, by actor id.</summary>
    private IReadOnlyDictionary<string, Governance.Core.Requests.StaffMember> _staff = new Dictionary<string, Governance.Core.Requests.StaffMember>();

    private string Who(string? actorId) => actorId is null ? "" : Shared.ActorWords.Who(actorId, _staff);

    /// <summary>The time window in words; a dash when the hold has none (it holds data of any date).</summary>
    private string Window(LegalHold h) => h.WindowFrom is null && h.WindowTo is null ? "—"
        : Text.Format("{0} to {1}", h.WindowFrom is { } wf ? Shared.When.Date(wf) : "…", h.WindowTo is { } wt ? Shared.When.Date(wt) : "…");

    /// <summary>The custodians' names as their chat stores give them (ids stay where a store has none or does not answer).</summary>
    private CustodianNameSet _names = CustodianNameSet.Empty;

    protected override Task OnInitializedAsync() => LoadAsync();

    private bool _loaded;

    private async Task ShowReleasedAsync(bool show)
    {
        _showReleased = show;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _holds = await Holds.ListAsync(_showReleased, Leaving);
        _names = await Names.FindAsync(_holds.SelectMany(h => h.Scope), Leaving);
        _staff = await Staff.ByIdAsync(_holds.Select(h => h.CreatedBy).Concat(_holds.Select(h => h.ReleasedBy).OfType<string>()).Distinct(), Leaving);
        _loaded = true;
    }

    /// <summary>The first custodians by name and store ("Ana Silva (eu)"), and how many more; empty when no name is known.</summary>
    private string NamedCustodians(LegalHold h)
    {
        var custodians = h.Scope.Where(s => s.Kind == HoldScopeKind.User).ToList();
        var named = custodians.Select(c => (c, Name: _names.Of(c))).Where(x => x.Name is not null).Take(3)
            .Select(x => x.c.Store is { } store ? $"{x.Name} ({store})" : x.Name!).ToList();
        return named.Count == 0 ? ""
            : named.Count == custodians.Count ? string.Join(", ", named)
            : Text.Format("{0} and {1} more", string.Join(", ", named), custodians.Count - named.Count);
    }

    private static string Summary(LegalHold h)
    {
        var parts = h.Scope.GroupBy(s => s.Kind).Select(g => (g.Key, g.Count()) switch
        {
            (HoldScopeKind.User, 1) => Text.Get("1 custodian"),
            (HoldScopeKind.User, var n) => Text.Format("{0} custodians", n),
            (HoldScopeKind.Conversation, 1) => Text.Get("1 conversation"),
            (HoldScopeKind.Conversation, var n) => Text.Format("{0} conversations", n),
            (_, 1) => Text.Get("1 tenant"),
            (_, var n) => Text.Format("{0} tenants", n),
        });
        return string.Join(", ", parts);
    }

    private void Select(LegalHold hold)
    {
        _selected = hold;
        _change = new HoldForm();
        _errors = new Dictionary<string, string[]>();
    }

    private Task CreateAsync() => ChangeAsync(errors => _newErrors = errors, async actor =>
    {
        var hold = await Holds.CreateAsync(new NewHold(_new.Matter, _new.Scope(), Start(_new.From), Start(_new.To), _new.ReviewOn), actor, Leaving);
        _new = new HoldForm();
        _newErrors = new Dictionary<string, string[]>();
        return Text.Format("Created {0}.", hold.Reference);
    });

    private Task ExtendAsync() => _selected is not { } hold ? Task.CompletedTask : ChangeAsync(errors => _errors = errors, async actor =>
    {
        await Holds.ExtendAsync(hold.Id, _change.Scope(), _change.ReviewOn, null, null, _change.Reason ?? "", actor, Leaving);
        return Text.Format("Extended {0}.", hold.Reference);
    });

    private Task ReleaseAsync() => _selected is not { } hold ? Task.CompletedTask : ChangeAsync(errors => _errors = errors, async actor =>
    {
        await Holds.ReleaseAsync(hold.Id, _releaseReason, actor, Leaving);
        _releaseReason = "";
        return Text.Format("Released {0}.", hold.Reference);
    });

    /// <summary>Runs a change as the signed-in person: on success says what happened and reloads; a refusal shows its fields' messages and changes nothing.</summary>
    private async Task ChangeAsync(Action<IReadOnlyDictionary<string, string[]>> showErrors, Func<Governance.Core.Audit.AuditActor, Task<string>> change)
    {
        string message;
        try
        {
            message = await change(await Actor.GetAsync());
        }
        catch (ValidationException ex)
        {
            showErrors(ex.Errors);
            return;
        }

        // The list is read again before the message shows, so that both appear together.
        _selected = null;
        await LoadAsync();
        _message = message;
    }

    /// <summary>A date typed on the page is the start of that day in UTC.</summary>
    private static DateTimeOffset? Start(DateOnly? day) => day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;
}
