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

    private sealed record StoredPreview(long Due, long Held, long Removed, string[] GoWith);

    protected override async Task OnInitializedAsync()
    {
        _policy = Catalog.Load(Stores.All.Select(s => s.Region).Distinct(StringComparer.Ordinal).ToList());
        _roles = (await Actor.GetAsync()).Roles;
        await LoadRunsAsync();
    }

    private async Task LoadRunsAsync()
    {
        _runs = await Purge.RunsAsync("true", new { }, Leaving);
        _names = await Staff.ByIdAsync(_runs.Select(r => r.CreatedBy).Concat(_runs.Select(r => r.DecidedBy).OfType<string>()).Distinct(StringComparer.Ordinal), Leaving);
    }

    private string NameOf(string actorId) => _names.TryGetValue(actorId, out var s) ? s.DisplayName : actorId.StartsWith("job:", StringComparison.Ordinal) ? "the schedule" : actorId;

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
        "awaiting-approval" => "Waiting for approval",
        "approved" => "Approved, about to run",
        "running" => $"Running ({r.Batches:N0} batches so far)",
        "done" => "Done",
        "rejected" => "Rejected",
        _ => $"Failed: {r.Problem}",
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
            _problem = ex.Messages();
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
                ? $"{rule}: {waiting} run(s) wait for a privacy officer's approval below."
                : $"{rule}: {ids.Count} run(s) started; this page shows them as they go.";
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
        _message = approve ? "Approved: the run has started." : "Rejected: nothing will be removed by this run.";
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
            _problem = ex.Messages();
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
