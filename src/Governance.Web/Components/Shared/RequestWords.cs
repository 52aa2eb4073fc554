using Governance.Web.Localization;

namespace Governance.Web.Components.Shared;

/// <summary>A request's state and deadline in plain words, as staff read them (the state's code stays in data attributes for machines).</summary>
public static class RequestWords
{
    public static string State(Governance.Core.Requests.RequestState state) => State(state.ToString());

    public static string State(string state) => state switch
    {
        "Received" => Text.Get("Received"),
        "Verifying" => Text.Get("Checking identity"),
        "InReview" => Text.Get("In review"),
        "Extended" => Text.Get("Extended"),
        "Approved" => Text.Get("Approved, to be carried out"),
        "Processing" => Text.Get("Being carried out"),
        "Completed" => Text.Get("Completed"),
        "Denied" => Text.Get("Denied"),
        "OnHold" => Text.Get("On hold"),
        "Withdrawn" => Text.Get("Withdrawn"),
        "Failed" => Text.Get("Failed, needs attention"),
        "ClockStopped" => Text.Get("Clock stopped: waiting for the person"),
        "Duplicate" => Text.Get("Closed as a duplicate"),
        "Restricted" => Text.Get("Restriction applied"),
        "ObjectionUpheld" => Text.Get("Objection upheld"),
        _ => state,
    };

    /// <summary>A listed reason for refusing a request, in words (the provision is cited beside it).</summary>
    public static string RefusalReason(string code) => code switch
    {
        "unverifiable" => Text.Get("Identity could not be verified"),
        "not-a-subject" => Text.Get("Not a data subject or consumer of ours"),
        "exemption" => Text.Get("An exemption applies"),
        "manifestly-unfounded" => Text.Get("Manifestly unfounded"),
        "excessive" => Text.Get("Excessive (in particular repetitive)"),
        "repeat-limit" => Text.Get("Third request to know in 12 months"),
        "other" => Text.Get("Other (explained in the reason)"),
        _ => code,
    };

    /// <summary>A legal period in words: "1 month", "45 days", "15 working days".</summary>
    public static string Period(Governance.Core.Requests.Period period) =>
        period.Months > 0 ? Text.Format("{0} month(s)", period.Months)
        : period.BusinessDays > 0 ? Text.Format("{0} working days", period.BusinessDays)
        : Text.Format("{0} days", period.Days);

    /// <summary>Why a request's clock was stopped.</summary>
    public static string PauseReason(string code) => code switch
    {
        "identity-information" => Text.Get("Waiting for information to confirm identity"),
        "clarification" => Text.Get("Waiting for the person to clarify the request"),
        _ => code,
    };

    /// <summary>How another request was found to be of the same person.</summary>
    public static string Match(string match) => match switch
    {
        "email" => Text.Get("same e-mail address"),
        "phone" => Text.Get("same phone number"),
        "user-id" => Text.Get("same chat user id"),
        "account" => Text.Get("same account found in the chat stores"),
        _ => match,
    };

    /// <summary>What a timeline event did, in the past tense ("started the identity check"); an action it does not know stays as recorded.</summary>
    public static string Event(string action) => action switch
    {
        "StartVerification" => Text.Get("started the identity check"),
        "Verify" => Text.Get("verified the identity"),
        "Extend" => Text.Get("extended the deadline"),
        "Approve" => Text.Get("approved"),
        "StartProcessing" => Text.Get("started carrying it out"),
        "Complete" => Text.Get("completed the request"),
        "Fail" => Text.Get("recorded a failure"),
        "Retry" => Text.Get("tried again"),
        "Deny" => Text.Get("denied the request"),
        "Hold" => Text.Get("put it on hold"),
        "Resume" => Text.Get("resumed"),
        "Withdraw" => Text.Get("recorded the withdrawal"),
        "StopClock" => Text.Get("stopped the clock"),
        "RestartClock" => Text.Get("restarted the clock"),
        "CloseAsDuplicate" => Text.Get("closed it as a duplicate"),
        "Separate" => Text.Get("recorded it as a separate request"),
        "ApplyRestriction" => Text.Get("applied the restriction"),
        "UpholdObjection" => Text.Get("upheld the objection"),
        "LiftRestriction" => Text.Get("lifted the restriction"),
        "RecordDone" => Text.Get("recorded it as carried out"),
        "Fee" => Text.Get("recorded a fee asked"),
        "Correction" => Text.Get("recorded a corrected value"),
        _ => action,
    };

    /// <summary>The accounts a store search found: "1 account: id 2", "2 accounts: ids 2, 5".</summary>
    public static string Accounts(IReadOnlyCollection<string> ids) => ids.Count switch
    {
        0 => Text.Get("not found"),
        1 => Text.Format("1 account: id {0}", ids.First()),
        var n => Text.Format("{0} accounts: ids {1}", n, string.Join(", ", ids)),
    };

    /// <summary>How far a due date is from today: "12 days left", "due today", "overdue by 3 days".</summary>
    public static string DaysLeft(DateOnly due, DateOnly today) => (due.DayNumber - today.DayNumber) switch
    {
        0 => Text.Get("due today"),
        1 => Text.Get("1 day left"),
        -1 => Text.Get("overdue by 1 day"),
        > 1 and var n => Text.Format("{0} days left", n),
        var n => Text.Format("overdue by {0} days", -n),
    };

    /// <summary>A request type in words ("Access", "Erasure"); the code stays in data attributes and the API.</summary>
    public static string Type(string type) => type switch
    {
        "access" => Text.Get("Access"),
        "portability" => Text.Get("Portability"),
        "erasure" => Text.Get("Erasure"),
        "rectification" => Text.Get("Rectification"),
        "restriction" => Text.Get("Restriction"),
        "objection" => Text.Get("Objection"),
        "opt-out" => Text.Get("Opt-out of sale or sharing"),
        "limit-sensitive" => Text.Get("Limit use of sensitive data"),
        _ => type,
    };

    /// <summary>How a request arrived.</summary>
    public static string Channel(string channel) => channel switch
    {
        "api" => Text.Get("the chat system (API)"),
        "email" => Text.Get("e-mail"),
        "letter" => Text.Get("letter"),
        "phone" => Text.Get("telephone"),
        "web-form" => Text.Get("web form"),
        _ => channel,
    };

    /// <summary>How an identity was checked.</summary>
    public static string Method(string? method) => method switch
    {
        "signed-in" => Text.Get("signed in to the chat system"),
        "email-code" => Text.Get("code sent by e-mail"),
        "document-check" => Text.Get("identity document seen"),
        null => "",
        _ => method,
    };

    /// <summary>What an attachment is.</summary>
    public static string AttachmentKind(string kind) => kind switch
    {
        "correspondence" => Text.Get("correspondence"),
        "identity-evidence" => Text.Get("identity evidence"),
        "agent-permission" => Text.Get("agent's permission"),
        "response-letter" => Text.Get("letter sent in response"),
        "other" => Text.Get("other"),
        _ => kind,
    };
}
