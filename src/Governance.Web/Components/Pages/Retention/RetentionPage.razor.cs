using Governance.Web.Localization;
using System.Text.Json;
using Governance.Core.Requests;
using Governance.Core.Retention;
using Governance.Web.Audit;
using Hangfire;
using Microsoft.AspNetCore.Components;

namespace Governance.Web.Components.Pages.Retention;

public sealed partial class RetentionPage
{
    private RetentionPolicy? _policy;
    private IReadOnlyList<RetentionPreviewResult>? _preview;
    private string? _previewed;
    private bool _previewing;
    private string? _problem;
    private string? _message;
    /// <summary>The reason typed for each run waiting for a decision.</summary>
    private readonly Dictionary<Guid, string> _reasons = [];

    private string ReasonOf(Guid run) => _reasons.GetValueOrDefault(run, "");
    private IReadOnlyList<RetentionRun> _runs = [];
    private IReadOnlyList<string> _roles = [];
    private IReadOnlyDictionary<string, StaffMember> _names = new Dictionary<string, StaffMember>();

    [Inject]
    private RetentionCatalog Catalog { get; set; } = default!;

    [Inject]
    private RetentionPreview Preview { get; set; } = default!;

    [Inject]
    private RetentionRuleEditor Editor { get; set; } = default!;

    [Inject]
    private Governance.Web.Security.DownloadLinks Links { get; set; } = default!;

    private string _actorId = "";

    [Inject]
    private RetentionPurge Purge { get; set; } = default!;

    [Inject]
    private Governance.Core.ChatStores.ChatStoreRegistry Stores { get; set; } = default!;

    [Inject]
    private CurrentActor Actor { get; set; } = default!;

    [Inject]
    private StaffDirectory Staff { get; set; } = default!;

    [Inject]
    private IBackgroundJobClient Jobs { get; set; } = default!;

    /// <summary>Privacy officers and admins start runs; privacy officers alone decide on runs that need approval (the service checks the same).</summary>
    private bool MayRun => _roles.Contains(Governance.Core.Security.Roles.PrivacyOfficer) || _roles.Contains(Governance.Core.Security.Roles.Admin);

    private bool MayApprove => _roles.Contains(Governance.Core.Security.Roles.PrivacyOfficer);

    /// <summary>Privacy officers change the rules (the service checks the same).</summary>
    private bool MayEdit => _roles.Contains(Governance.Core.Security.Roles.PrivacyOfficer);

    private static readonly string[] ActionChoices = ["delete", "anonymise", "archive-then-delete"];

    /// <summary>The rule previewed anonymises rather than deletes.</summary>
    private bool PreviewAnonymises => _previewed is { } name && _policy?.Find(name)?.Action == RetentionAction.Anonymise;

    /// <summary>The settings of the rule being changed, as typed.</summary>
    private sealed class RuleEdit
    {
        public string Age { get; set; } = "";
        public string Action { get; set; } = "delete";
        public string Schedule { get; set; } = "";
        public bool Approval { get; set; }
        public string Why { get; set; } = "";
    }

    private IReadOnlyList<RetentionFile> _files = [];
    private string? _editingRule;
    private RuleEdit? _ruleEdit;
    private RetentionFile? _fileEdit;
    private string _fileText = "";
    private RetentionEditReview? _review;
    private string _editReason = "";
    private bool _saving;
    private string? _historyOf;
    private (string File, int Version, int Before, IReadOnlyList<LineDiff.Line> Lines)? _versionDiff;

    private sealed record StoredPreview(long Due, long Held, long Removed, string[] GoWith);

    protected override async Task OnInitializedAsync()
    {
        _policy = Catalog.Load(Stores.All.Select(s => s.Region).Distinct(StringComparer.Ordinal).ToList());
        var actor = await Actor.GetAsync();
        _roles = actor.Roles;
        _actorId = actor.Id;
        await LoadRunsAsync();
        await LoadFilesAsync();
    }

    private async Task LoadFilesAsync()
    {
        var files = new List<RetentionFile>();
        foreach (var name in Editor.FileNames())
        {
            files.Add(await Editor.OpenAsync(name, Leaving));
        }

        _files = files;
        await AddNamesAsync(files.SelectMany(f => f.Versions).Select(v => v.ChangedBy));
    }

    /// <summary>Looks up the names of actors not known yet (runs and file versions share them).</summary>
    private async Task AddNamesAsync(IEnumerable<string> actorIds)
    {
        var missing = actorIds.Where(id => !_names.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var found = await Staff.ByIdAsync(missing, Leaving);
            _names = _names.Concat(found).ToDictionary(StringComparer.Ordinal);
        }
    }

    private string ChangedByText(RetentionRuleVersion v) => v.Source == "files" ? Text.Get("the files (outside the console)") : NameOf(v.ChangedBy);

    private void StartRuleChange(RetentionRule rule)
    {
        CloseEditor();
        _editingRule = rule.Name;
        var now = RetentionRuleChange.Of(rule);
        _ruleEdit = new RuleEdit { Age = now.Age, Action = now.Action, Schedule = now.Schedule, Approval = now.Approval, Why = now.Why };
    }

    private void StartFileEdit(RetentionFile file)
    {
        CloseEditor();
        _fileEdit = file;
        _fileText = file.Content;
    }

    private void CloseEditor()
    {
        _editingRule = null;
        _ruleEdit = null;
        _fileEdit = null;
        _review = null;
        _editReason = "";
        _problem = null;
        _message = null;
    }

    private void ReviewRuleChange()
    {
        _problem = null;
        if (_ruleEdit is not { } e || _editingRule is null)
        {
            return;
        }

        try
        {
            _review = Editor.ReviewRuleChange(_editingRule, new RetentionRuleChange(e.Age, e.Action, e.Schedule, e.Approval, e.Why));
        }
        catch (Governance.Core.Validation.ValidationException ex)
        {
            _problem = Text.Messages(ex);
        }
    }

    private void ReviewFileEdit()
    {
        _problem = null;
        if (_fileEdit is { } f)
        {
            _review = Editor.Review(f.Name, f.Sha256, _fileText);
        }
    }

    private async Task SaveAsync()
    {
        if (_review is not { } review)
        {
            return;
        }

        _saving = true;
        _problem = null;
        try
        {
            var saved = await Editor.SaveAsync(review.File, review.BaseSha256, review.Proposed, _editReason, await Actor.GetAsync(), Leaving);
            CloseEditor();
            _message = Text.Format("{0} saved as version {1}. The rules in force and their schedules follow it.", saved.File, saved.Version);
            _policy = Catalog.Load(Stores.All.Select(s => s.Region).Distinct(StringComparer.Ordinal).ToList());
            await LoadFilesAsync();
        }
        catch (Governance.Core.Validation.ValidationException ex)
        {
            _problem = Text.Messages(ex);
        }
        finally
        {
            _saving = false;
        }
    }

    private void ToggleHistory(string file)
    {
        _historyOf = _historyOf == file ? null : file;
        _versionDiff = null;
    }

    private void ShowVersionDiff(RetentionFile file, RetentionRuleVersion version)
    {
        var before = file.Versions.Where(v => v.Version < version.Version).MaxBy(v => v.Version);
        if (before is not null)
        {
            _versionDiff = (file.Name, version.Version, before.Version, LineDiff.Changes(LineDiff.Compare(before.Content, version.Content)));
        }
    }

    private async Task LoadRunsAsync()
    {
        _runs = await Purge.RunsAsync("true", new { }, Leaving);
        await AddNamesAsync(_runs.Select(r => r.CreatedBy).Concat(_runs.Select(r => r.DecidedBy).OfType<string>()));
    }

    private string NameOf(string actorId) => _names.TryGetValue(actorId, out var s) ? s.DisplayName : actorId.StartsWith("job:", StringComparison.Ordinal) ? Text.Get("the schedule") : actorId;

    private static StoredPreview? PreviewOf(RetentionRun run)
    {
        if (run.Preview is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(run.Preview);
        var root = json.RootElement;
        return new StoredPreview(root.GetProperty("due").GetInt64(), root.GetProperty("held").GetInt64(), root.GetProperty("removed").GetInt64(),
            root.GetProperty("goWith").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    private static string StateText(RetentionRun r) => r.State switch
    {
        "awaiting-approval" => Text.Get("Waiting for approval"),
        "approved" => Text.Get("Approved, about to run"),
        "running" => Text.Format("Running ({0} batches so far)", r.Batches.ToString("N0")),
        "done" => Text.Get("Done"),
        "rejected" => Text.Get("Rejected"),
        _ => Text.Format("Failed: {0}", r.Problem ?? ""),
    };

    private async Task PreviewAsync(string rule)
    {
        _previewing = true;
        _problem = null;
        _previewed = rule;
        try
        {
            _preview = await Preview.RunAsync(rule, Leaving);
        }
        catch (Governance.Core.Validation.ValidationException ex)
        {
            _preview = null;
            _problem = Text.Messages(ex);
        }
        finally
        {
            _previewing = false;
        }
    }

    private async Task RunNowAsync(string rule)
    {
        await ActAsync(async actor =>
        {
            var ids = await Purge.ScheduleAsync(rule, actor, Leaving);
            var waiting = 0;
            foreach (var id in ids)
            {
                if ((await Purge.RunsAsync("id = @id", new { id }, Leaving)).Single().State == "approved")
                {
                    Jobs.Enqueue<Governance.Jobs.Retention.RetentionRunJob>(j => j.RunAsync(id, CancellationToken.None));
                }
                else
                {
                    waiting++;
                }
            }

            _message = waiting > 0
                ? Text.Format("{0}: {1} runs wait for a privacy officer's approval below.", rule, waiting)
                : Text.Format("{0}: {1} runs started; this page shows them as they go.", rule, ids.Count);
        });
    }

    private Task DecideAsync(Guid run, bool approve) => ActAsync(async actor =>
    {
        await Purge.DecideAsync(run, approve, ReasonOf(run), actor, Leaving);
        if (approve)
        {
            Jobs.Enqueue<Governance.Jobs.Retention.RetentionRunJob>(j => j.RunAsync(run, CancellationToken.None));
        }

        _reasons.Remove(run);
        _message = approve ? Text.Get("Approved: the run has started.") : Text.Get("Rejected: nothing will be removed by this run.");
    });

    private async Task ActAsync(Func<Governance.Core.Audit.AuditActor, Task> act)
    {
        _problem = null;
        _message = null;
        try
        {
            await act(await Actor.GetAsync());
        }
        catch (Governance.Core.Validation.ValidationException ex)
        {
            _problem = Text.Messages(ex);
        }

        await LoadRunsAsync();
        _ = FollowAsync();
    }

    /// <summary>Reloads the runs every two seconds while any is running or about to.</summary>
    private async Task FollowAsync()
    {
        try
        {
            while (!Leaving.IsCancellationRequested && _runs.Any(r => r.State is "approved" or "running"))
            {
                await Task.Delay(TimeSpan.FromSeconds(2), Leaving);
                await LoadRunsAsync();
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
