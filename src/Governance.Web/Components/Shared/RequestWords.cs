namespace Governance.Web.Components.Shared;

/// <summary>A request's state and deadline in plain words, as staff read them (the state's code stays in data attributes for machines).</summary>
public static class RequestWords
{
    public static string State(Governance.Core.Requests.RequestState state) => State(state.ToString());

    public static string State(string state) => state switch
    {
        "Received" => "Received",
        "Verifying" => "Checking identity",
        "InReview" => "In review",
        "Extended" => "Extended",
        "Approved" => "Approved, to be carried out",
        "Processing" => "Being carried out",
        "Completed" => "Completed",
        "Denied" => "Denied",
        "OnHold" => "On hold",
        "Withdrawn" => "Withdrawn",
        "Failed" => "Failed, needs attention",
        _ => state,
    };

    /// <summary>What a timeline event did, in the past tense ("started the identity check"); an action it does not know stays as recorded.</summary>
    public static string Event(string action) => action switch
    {
        "StartVerification" => "started the identity check",
        "Verify" => "verified the identity",
        "Extend" => "extended the deadline",
        "Approve" => "approved",
        "StartProcessing" => "started carrying it out",
        "Complete" => "completed",
        "Fail" => "recorded a failure",
        "Retry" => "tried again",
        "Deny" => "denied",
        "Hold" => "put it on hold",
        "Resume" => "resumed",
        "Withdraw" => "recorded the withdrawal",
        _ => action,
    };

    /// <summary>The accounts a store search found: "1 account: id 2", "2 accounts: ids 2, 5".</summary>
    public static string Accounts(IReadOnlyCollection<string> ids) => ids.Count switch
    {
        0 => "not found",
        1 => $"1 account: id {ids.First()}",
        var n => $"{n} accounts: ids {string.Join(", ", ids)}",
    };

    /// <summary>How far a due date is from today: "12 days left", "due today", "overdue by 3 days".</summary>
    public static string DaysLeft(DateOnly due, DateOnly today) => (due.DayNumber - today.DayNumber) switch
    {
        0 => "due today",
        1 => "1 day left",
        -1 => "overdue by 1 day",
        > 1 and var n => $"{n} days left",
        var n => $"overdue by {-n} days",
    };
}
