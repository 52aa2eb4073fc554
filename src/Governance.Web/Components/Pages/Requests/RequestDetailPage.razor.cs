using Governance.Core.DataMap;
using Hangfire;
using Governance.Core.Holds;
using Governance.Core.Requests;
using Governance.Core.Validation;
using Governance.Web.Audit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

using Governance.Web.Localization;

namespace Governance.Web.Components.Pages.Requests;

public sealed partial class RequestDetailPage
{
    private RequestDetail? _request;
    private bool _loaded;
    private IReadOnlyList<StaffMember> _staff = [];
    private IReadOnlyDictionary<string, StaffMember> _names = new Dictionary<string, StaffMember>();
    private IReadOnlyList<string> _holds = [];
    private bool _searching;
    private string _assignee = "";
    private string _method = TransitionRequest.VerificationMethods[0];
    private string _evidence = "";
    private RequestAction? _action;

    /// <summary>An action as the person reads it.</summary>
    private static string ActionName(RequestAction action) => action switch
    {
        RequestAction.StartVerification => Text.Get("Start identity check"),
        RequestAction.Verify => Text.Get("Identity verified"),
        RequestAction.Extend => Text.Get("Extend the deadline (once)"),
        RequestAction.Approve => Text.Get("Approve"),
        RequestAction.Deny => Text.Get("Refuse (with a listed reason)"),
        RequestAction.StopClock => Text.Get("Stop the clock (waiting for the person)"),
        RequestAction.ApplyRestriction => Text.Get("Apply the restriction to the accounts found"),
        RequestAction.UpholdObjection => Text.Get("Uphold the objection for the accounts found"),
        RequestAction.RecordDone => Text.Get("Record as carried out"),
        RequestAction.RestartClock => Text.Get("Restart the clock (information received)"),
        RequestAction.Hold => Text.Get("Put on hold"),
        RequestAction.Resume => Text.Get("Resume"),
        RequestAction.Withdraw => Text.Get("Withdrawn by the person"),
        _ => action.ToString(),
    };
    private string _reason = "";
    private string _legalBasis = "";
    private string _denialReason = "";
    private string _pauseReason = "";
    private DateOnly? _on;
    private string _separateReason = "";

    /// <summary>Other requests of the same person, and whether this one is a CCPA request to know beyond two in 12 months.</summary>
    private RequestRepeats? _repeats;

    [Inject]
    private RequestDuplicates Duplicates { get; set; } = default!;

    /// <summary>The request's regime as the policy file states it (null when no longer in the file).</summary>
    private Regime? RegimeOf(RequestDetail r) => Regulations.Find(r.Regime);

    /// <summary>Whether the request's due date falls in a year its calendar lists as provisional.</summary>
    private bool ProvisionalDue(RequestDetail r) => RegimeOf(r)?.Calendar.IsProvisional(r.EffectiveDueOn) == true;

    /// <summary>Closes this request as a duplicate of another (the original stays open).</summary>
    private Task DuplicateOfAsync(RelatedRequest original) => RepeatsAsync(actor => Transitions.ExecuteAsync(
        new TransitionCommand(Id, RequestAction.CloseAsDuplicate, string.IsNullOrWhiteSpace(_separateReason) ? $"Duplicate of {original.Reference}" : _separateReason,
            DuplicateOf: original.Id), actor, Leaving));

    private Task SeparateAsync(RelatedRequest other) => RepeatsAsync(actor => Duplicates.MarkSeparateAsync(Id, other.Id, _separateReason, actor, Leaving));

    private string? _repeatProblem;

    private decimal? _feeAmount;
    private string _feeCurrency = "";
    private string _feeReason = "";
    private string? _feeProblem;

    private async Task AskFeeAsync()
    {
        _feeProblem = null;
        try
        {
            await Work.AskFeeAsync(Id, _request is { } r ? RegimeOf(r) : null, _feeAmount, _feeCurrency.Trim().ToUpperInvariant(), _feeReason, await Actor.GetAsync(), Leaving);
            _feeReason = "";
            await LoadAsync();
        }
        catch (ValidationException ex)
        {
            _feeProblem = Text.Messages(ex);
        }
    }

    [Inject]
    private Restrictions RestrictionFlags { get; set; } = default!;

    [Inject]
    private RequestCorrections Corrections { get; set; } = default!;

    /// <summary>The rectification's plan, field by field (empty before any corrected value is recorded).</summary>
    private IReadOnlyList<CorrectionStep> _plan = [];
    private IReadOnlyList<CorrectableField> _correctable = [];
    private string _correctionField = "";
    private string _correctionWords = "";
    private string _correctionValue = "";
    private string? _correctionProblem;

    private async Task AddCorrectionAsync()
    {
        _correctionProblem = null;
        var mapped = _correctionField.Split('/', 2);
        try
        {
            await Corrections.AddAsync(Id, mapped.Length == 2 ? mapped[0] : null, mapped.Length == 2 ? mapped[1] : _correctionWords, _correctionValue, await Actor.GetAsync(), Leaving);
            _correctionValue = _correctionWords = "";
            await LoadAsync();
        }
        catch (ValidationException ex)
        {
            _correctionProblem = Text.Messages(ex);
        }
    }

    /// <summary>The restriction or objection this request applied, if any.</summary>
    private RestrictionFlag? _flag;
    private string _liftReason = "";
    private DateOnly? _liftToldOn;
    private string? _liftProblem;

    private async Task LiftAsync()
    {
        _liftProblem = null;
        try
        {
            await RestrictionFlags.LiftAsync(Id, _liftReason, _liftToldOn, await Actor.GetAsync(), Leaving);
            _liftReason = "";
            _liftToldOn = null;
            await LoadAsync();
        }
        catch (ValidationException ex)
        {
            _liftProblem = Text.Messages(ex);
        }
    }

    /// <summary>The accounts of a flag in words: "eu: 12, 40; every store: u-7".</summary>
    private static string FlagAccounts(RestrictionFlag flag) =>
        string.Join("; ", flag.Accounts.GroupBy(a => a.Store).Select(g => $"{g.Key ?? Text.Get("every store")}: {string.Join(", ", g.Select(a => a.UserId))}"));

    [Inject]
    private ResponseLetters Letters { get; set; } = default!;

    private string _letterLanguage = Text.IsChinese ? "zh" : "en";
    private LetterDraft? _letter;
    private string _letterText = "";
    private string? _letterMessage;
    private string? _letterProblem;

    private async Task DraftLetterAsync()
    {
        _letterMessage = _letterProblem = null;
        try
        {
            _letter = await Letters.DraftAsync(Id, _letterLanguage, Today, Leaving);
            _letterText = _letter.Text;
        }
        catch (ValidationException ex)
        {
            _letterProblem = Text.Messages(ex);
        }
        catch (LetterTemplateException ex)
        {
            _letterProblem = ex.Message;
        }
    }

    private async Task RecordLetterAsync()
    {
        if (_letter is not { } draft)
        {
            return;
        }

        _letterMessage = _letterProblem = null;
        try
        {
            await Letters.RecordSentAsync(Id, draft, _letterText, await Actor.GetAsync(), Leaving);
            _letterMessage = Text.Format("Recorded as sent: {0}.", draft.FileName);
            _letter = null;
            await LoadAsync();
        }
        catch (ValidationException ex)
        {
            _letterProblem = Text.Messages(ex);
        }
    }

    /// <summary>A decision about another request of the person; its refusal is shown beside the other requests.</summary>
    private async Task RepeatsAsync(Func<Governance.Core.Audit.AuditActor, Task> change)
    {
        await RunAsync(change);
        (_repeatProblem, _problem) = (_problem, null);
    }

    /// <summary>Chooses a refusal for the third request to know in 12 months; staff still write the reason and apply it.</summary>
    private void OfferRepeatRefusal()
    {
        _action = RequestAction.Deny;
        _denialReason = RefusalReasons.RepeatLimit;
    }
    private DateOnly? _newDue;
    private DateOnly? _toldOn;

    /// <summary>The next step as the select holds it (its code; empty: none chosen).</summary>
    private string ActionChoice
    {
        get => _action?.ToString() ?? "";
        set => _action = Enum.TryParse<RequestAction>(value, out var a) ? a : null;
    }

    private string _note = "";
    private string _attachmentKind = RequestAttachments.Kinds[0];
    private string? _problem;

    [Parameter]
    public Guid Id { get; set; }

    [Inject]
    private RequestWork Work { get; set; } = default!;

    [Inject]
    private RegulationsCatalog Regulations { get; set; } = default!;

    /// <summary>The time of receipt on the regime's own clock (its deadlines count from that day), with the zone named.</summary>
    private string? LocalReceipt(RequestDetail r) =>
        Regulations.Find(r.Regime) is { } regime
            ? $"{TimeZoneInfo.ConvertTime(r.ReceivedAt, regime.TimeZone):yyyy-MM-dd HH:mm} {regime.TimeZone.Id}"
            : null;

    /// <summary>A regime by the name its policy file gives it (a legal citation, kept as written).</summary>
    private string RegimeName(string code) => Regulations.Find(code)?.Name ?? code;

    [Inject]
    private TransitionRequest Transitions { get; set; } = default!;

    [Inject]
    private StaffDirectory Staff { get; set; } = default!;

    [Inject]
    private FindPerson Finder { get; set; } = default!;

    [Inject]
    private Governance.Web.Security.DownloadLinks Links { get; set; } = default!;

    /// <summary>Who is looking: attachment links are signed for them alone.</summary>
    private string _actorId = "";

    [Inject]
    private LegalHolds Holds { get; set; } = default!;

    [Inject]
    private RequestAttachments Attachments { get; set; } = default!;

    [Inject]
    private CurrentActor Actor { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private Governance.Core.Erasure.RequestErasure Erasure { get; set; } = default!;

    [Inject]
    private Governance.Core.Erasure.StoreErasure ErasureRuns { get; set; } = default!;

    [Inject]
    private Hangfire.IBackgroundJobClient Jobs { get; set; } = default!;

    /// <summary>The erasure's runs, store by store (none before it starts).</summary>
    private IReadOnlyList<Governance.Core.Erasure.StoreErasureResult> _erasure = [];

    private bool _following;

    /// <summary>Legal and privacy officers start an erasure (the service checks the same).</summary>
    private bool MayErase => _roles.Contains(Governance.Core.Security.Roles.Legal) || _roles.Contains(Governance.Core.Security.Roles.PrivacyOfficer);

    private IReadOnlyList<string> _roles = [];

    [Inject]
    private Governance.Core.Exports.RequestExport Export { get; set; } = default!;

    [Inject]
    private Microsoft.Extensions.Options.IOptions<Governance.Core.Exports.ExportOptions> ExportOptions { get; set; } = default!;

    private int ExportKeepDays => ExportOptions.Value.KeepDays;

    private IReadOnlyList<Governance.Core.Exports.ExportPackage> _packages = [];

    private IReadOnlyList<string> _recipients = [];
    private bool _recipientsSet;
    private string _recipientsText = "";
    private IReadOnlyList<Governance.Core.Reports.StoredReport> _certificates = [];
    private bool _generating;

    [Inject]
    private Governance.Jobs.Reports.ReportGenerator Reports { get; set; } = default!;

    [Inject]
    private Governance.Core.Reports.ReportArchive Archive { get; set; } = default!;

    private DateOnly Today => DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);

    /// <summary>
    /// The workflow's actions offered in the "next step" box: verification has its own box, and processing
    /// (start, complete, fail, retry) belongs to the export and erasure jobs, not to people.
    /// </summary>
    private IReadOnlyList<RequestAction> WorkflowActions =>
        _request?.PossibleActions.Where(a => a is not (RequestAction.Verify or RequestAction.StartVerification
            or RequestAction.StartProcessing or RequestAction.Complete or RequestAction.Fail or RequestAction.Retry or RequestAction.CloseAsDuplicate)
            && (a != RequestAction.StopClock || RegimeOf(_request)?.Pauses.Count > 0)
            && (a is not (RequestAction.ApplyRestriction or RequestAction.UpholdObjection or RequestAction.RecordDone) || RequestStateMachine.CarriedOutBy(_request.Type) == a)).ToList() ?? [];

    /// <summary>A member of staff by name where known, else by actor id (jobs, API clients).</summary>
    private string Who(string? actorId) => actorId is null ? "" : _names.TryGetValue(actorId, out var s) ? s.DisplayName : actorId;

    protected override async Task OnParametersSetAsync()
    {
        var me = await Actor.GetAsync();
        _actorId = me.Id;
        _roles = me.Roles;
        // The last search first: its author is named with everyone else on the page, in one read.
        _search = await Search.LatestAsync(Id, Leaving);
        _accountNames = await AccountNames.FindAsync(FoundAccounts, Leaving);
        await LoadAsync(view: true);
        _staff = await Staff.AssignableAsync(Leaving);
        if (_request is { } r)
        {
            // The ids of the last search (kept with the request) and a user id given with it are checked at once.
            await HoldsOfFoundAsync(r);
        }
    }

    /// <summary>Reads the request; the first read of a visit is audited as a view of personal data.</summary>
    private async Task LoadAsync(bool view = false)
    {
        _request = view ? await Work.ViewAsync(Id, await Actor.GetAsync(), Leaving) : await Work.GetAsync(Id, Leaving);
        _loaded = true;
        if (_request is { } r)
        {
            _names = await Staff.ByIdAsync(r.Timeline.Select(e => e.ActorId).Concat(r.Notes.Select(n => n.AuthorId)).Concat(r.Attachments.Select(a => a.UploadedBy))
                .Append(r.VerifiedBy ?? "").Append(r.AssigneeId ?? "").Append(_search?.SearchedBy ?? "")
                .Concat((r.ClockStops ?? []).SelectMany(c => new[] { c.StoppedBy, c.RestartedBy ?? "" })), Leaving);
        }

        _repeats = _request is null ? null : await Duplicates.FindAsync(Id, Leaving);
        _flag = _request?.Type is "restriction" or "objection" ? await RestrictionFlags.ForRequestAsync(Id, Leaving) : null;
        if (_request?.Type == "rectification")
        {
            _correctable = _correctable.Count > 0 ? _correctable : Corrections.Fields(); // the map's fields do not change while the page is open
            _plan = await Corrections.PlanAsync(Id, _matches ?? [], Leaving);
        }

        _erasure = _request?.Type == "erasure" ? await ErasureRuns.ResultsAsync(Id, Leaving) : [];
        _packages = _request?.Type is "access" or "portability" ? await Export.PackagesAsync(Id, Leaving) : [];
        if (_request?.Type == "erasure")
        {
            (_recipients, _recipientsSet) = await Erasure.RecipientsAsync(Id, Leaving);
            _recipientsText = string.Join("\n", _recipients);
            _certificates = await Archive.CertificatesAsync(Id, Leaving);
        }

        _assignee = _request?.AssigneeId ?? "";
        if (_action is { } chosen && !WorkflowActions.Contains(chosen))
        {
            _action = null; // the state moved on: the next step is chosen again
        }
    }

    /// <summary>The holds on the ids found, and on the user id given with the request even where no store has it any more.</summary>
    private async Task HoldsOfFoundAsync(RequestDetail r)
    {
        var given = r.UserId is { } userId ? Finder.StoreNames.Select(s => (s, userId)) : [];
        _holds = await Holds.HoldingPersonAsync((_matches ?? []).SelectMany(m => m.PersonIds.Select(id => (m.Store, id))).Concat(given), Leaving);
    }

    [Inject]
    private RequestSearch Search { get; set; } = default!;

    /// <summary>The request's latest store search (kept with the request).</summary>
    private RequestSearchResult? _search;

    [Inject]
    private Governance.Core.Holds.CustodianNames AccountNames { get; set; } = default!;

    /// <summary>The names of the accounts the search found, as their stores give them (read when the page shows them).</summary>
    private Governance.Core.Holds.CustodianNameSet _accountNames = Governance.Core.Holds.CustodianNameSet.Empty;

    private IReadOnlyList<PersonMatch>? _matches => _search?.Matches;

    /// <summary>The accounts the last search found, store by store.</summary>
    private IReadOnlyList<Governance.Core.Holds.HoldScope> FoundAccounts =>
        (_matches ?? []).SelectMany(m => m.PersonIds.Select(id => new Governance.Core.Holds.HoldScope(Governance.Core.Holds.HoldScopeKind.User, id, m.Store))).ToList();

    private string? _holdMatter;
    private string? _holdMessage;
    private string? _holdProblem;

    private async Task HoldFoundAsync()
    {
        _holdProblem = _holdMessage = null;
        try
        {
            var hold = await Holds.CreateAsync(new Governance.Core.Holds.NewHold(_holdMatter, FoundAccounts, null, null, null), await Actor.GetAsync(), Leaving);
            _holdMessage = Text.Format("Created {0}.", hold.Reference);
            _holdMatter = null;
            if (_request is { } r)
            {
                await HoldsOfFoundAsync(r);
            }
        }
        catch (ValidationException ex)
        {
            _holdProblem = Text.Messages(ex);
        }
    }

    private async Task FindAsync()
    {
        if (_request is not { } r)
        {
            return;
        }

        _searching = true;
        _problem = null;
        try
        {
            _search = await Search.SearchAsync(r.Id, r.Email, r.Phone, r.UserId, await Actor.GetAsync(), Leaving);
            _accountNames = await AccountNames.FindAsync(FoundAccounts, Leaving);
            _names = await Staff.ByIdAsync(_names.Keys.Append(_search.SearchedBy), Leaving);
            await HoldsOfFoundAsync(r);
        }
        catch (InvalidOperationException ex)
        {
            _problem = ex.Message;
        }
        finally
        {
            _searching = false;
        }
    }

    private Task VerifyAsync() => RunAsync(actor => Transitions.ExecuteAsync(
        new TransitionCommand(Id, RequestAction.Verify, $"Identity verified ({_method})", VerificationMethod: _method, VerificationNote: _evidence), actor, Leaving));

    private Task CloseUnverifiableAsync() => RunAsync(actor => Transitions.ExecuteAsync(
        new TransitionCommand(Id, RequestAction.Deny, string.IsNullOrWhiteSpace(_reason) ? "The person's identity could not be verified" : _reason,
            DenialReason: RefusalReasons.Unverifiable), actor, Leaving));

    private Task ActAsync(RequestAction action, string reason) => RunAsync(actor => Transitions.ExecuteAsync(
        new TransitionCommand(Id, action, reason, LegalBasis: string.IsNullOrWhiteSpace(_legalBasis) ? null : _legalBasis, NewDueDate: _newDue, PersonToldOn: _toldOn,
            PauseReason: Input.Blank(_pauseReason), On: _on, DenialReason: Input.Blank(_denialReason)), actor, Leaving));

    /// <summary>Checks and starts (or resumes) the erasure, hands it to the job server, and follows it until it ends.</summary>
    private Task StartErasureAsync() => StartAndFollowAsync(async actor =>
    {
        await Erasure.StartAsync(Id, actor, Leaving);
        Jobs.Enqueue<Governance.Jobs.Erasure.ErasureJob>(j => j.RunAsync(Id, CancellationToken.None));
    });

    /// <summary>Checks and starts a job as the signed-in person (a refusal is shown), then follows the request until the job ends.</summary>
    private async Task StartAndFollowAsync(Func<Governance.Core.Audit.AuditActor, Task> start)
    {
        await RunAsync(start);
        if (_problem is null && !_following)
        {
            _ = FollowAsync();
        }
    }

    private Task SaveRecipientsAsync() =>
        RunAsync(actor => Erasure.SetRecipientsAsync(Id, _recipientsText.Split('\n'), actor, Leaving));

    /// <summary>Generates the certificate of erasure in the language asked for; it is kept with its hash and listed here.</summary>
    private async Task CertificateAsync(string language)
    {
        _generating = true;
        try
        {
            await RunAsync(actor => Reports.GenerateAsync(Governance.Jobs.Reports.ReportRequest.Certificate(Id, language), actor, Leaving));
        }
        finally
        {
            _generating = false;
        }
    }

    /// <summary>Checks and starts (or runs again) the export, hands it to the job server, and follows it until it ends.</summary>
    [Inject]
    private Governance.Core.Exports.PersonCopy Copies { get; set; } = default!;

    /// <summary>The copy just made, with its password, shown until the page is left.</summary>
    private Governance.Core.Exports.PersonCopyMade? _copyMade;

    private Task MakePersonCopyAsync(Guid packageId) =>
        RunAsync(async actor => _copyMade = await Copies.MakeAsync(packageId, actor, Leaving));

    private Task StartExportAsync() => StartAndFollowAsync(async actor =>
    {
        await Export.StartAsync(Id, actor, Leaving);
        Jobs.Enqueue<Governance.Jobs.Exports.ExportJob>(j => j.RunAsync(Id, CancellationToken.None));
    });

    /// <summary>Reloads the request every two seconds while its erasure or export runs.</summary>
    private async Task FollowAsync()
    {
        _following = true;
        try
        {
            while (!Leaving.IsCancellationRequested && _request?.State == RequestState.Processing)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), Leaving);
                await InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // the page was left
        }
        finally
        {
            _following = false;
        }
    }

    private Task AssignAsync() => RunAsync(actor => Work.AssignAsync(Id, string.IsNullOrEmpty(_assignee) ? null : _assignee, actor, Leaving));

    private async Task AddNoteAsync()
    {
        await RunAsync(actor => Work.AddNoteAsync(Id, _note, actor, Leaving));
        if (_problem is null)
        {
            _note = "";
        }
    }

    private async Task UploadAsync(InputFileChangeEventArgs e)
    {
        var limit = Attachments.MaxBytes;
        if (e.File.Size > limit)
        {
            _problem = Text.Format("file: at most {0} bytes.", limit.ToString("N0"));
            return;
        }

        using var buffer = new MemoryStream();
        await e.File.OpenReadStream(limit).CopyToAsync(buffer);
        await RunAsync(actor => Attachments.AddAsync(Id, _attachmentKind, e.File.Name, buffer.ToArray(), actor, Leaving));
    }

    /// <summary>Runs a change as the signed-in person; a refusal is shown, nothing else changes; the page reloads what was written.</summary>
    private async Task RunAsync(Func<Governance.Core.Audit.AuditActor, Task> change)
    {
        _problem = null;
        try
        {
            await change(await Actor.GetAsync());
        }
        catch (ValidationException ex)
        {
            _problem = Text.Messages(ex);
            return;
        }
        catch (Exception ex) when (ex is InvalidTransitionException or KeyNotFoundException)
        {
            _problem = Text.Get(ex.Message);
            return;
        }

        _reason = "";
        _legalBasis = "";
        _denialReason = _pauseReason = _separateReason = "";
        _on = null;
        await LoadAsync();
    }
}
