using Governance.Web.Localization;

namespace Governance.Web.Components.Shared;

/// <summary>Who did something, in words: staff by name; the console's jobs and components by what they are; anyone else by id.</summary>
public static class ActorWords
{
    public static string Who(string actorId, IReadOnlyDictionary<string, Governance.Core.Requests.StaffMember> names) =>
        names.TryGetValue(actorId, out var s) ? s.DisplayName
        : actorId.StartsWith("job:", StringComparison.Ordinal) ? Text.Format("job: {0}", Job(actorId["job:".Length..]))
        : actorId == "system:files" ? Text.Get("the files (outside the console)")
        : actorId.StartsWith("system:", StringComparison.Ordinal) ? Text.Get("the console itself")
        : actorId;

    /// <summary>A recurring or one-off job by what it does.</summary>
    public static string Job(string id) => id switch
    {
        "verify-audit-chain" => Text.Get("Audit chain verification"),
        "evaluate-alerts" => Text.Get("Alert checks"),
        "monthly-reports" => Text.Get("Monthly reports"),
        "expire-exports" => Text.Get("Expiry of export packages"),
        "request-deadlines" => Text.Get("Request deadline check"),
        _ when id.StartsWith("retention:", StringComparison.Ordinal) => Text.Format("Retention rule {0}", id["retention:".Length..]),
        _ => id,
    };
}
