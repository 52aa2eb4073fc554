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
