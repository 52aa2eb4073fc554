using Governance.Core.Validation;

namespace Governance.Core.Requests;

public enum RequestState
{
    Received,
    Verifying,
    InReview,
    Extended,
    Approved,
    Processing,
    Completed,
    Denied,
    OnHold,
    Withdrawn,
    Failed,

    /// <summary>The legal clock is stopped while the person supplies what the law lets the organisation wait for.</summary>
    ClockStopped,

    /// <summary>Closed as a duplicate of another request of the same person (linked).</summary>
    Duplicate,

    /// <summary>A restriction request complied with: the restriction is in force on the person's accounts (or was, once lifted).</summary>
    Restricted,

    /// <summary>An objection complied with: the processing objected to stops for the person's accounts.</summary>
    ObjectionUpheld,
}

public enum RequestAction
{
    StartVerification,
    Verify,
    Extend,
    Approve,
    StartProcessing,
    Complete,
    Fail,
    Retry,
    Deny,
    Hold,
    Resume,
    Withdraw,
    StopClock,
    RestartClock,
    CloseAsDuplicate,
    ApplyRestriction,
    UpholdObjection,

    /// <summary>Staff record that an approved request the console has no job for (rectification, opt-out, limit) was carried out.</summary>
    RecordDone,
}

/// <summary>What a transition needs besides the action. Every transition carries a reason for the audit log.</summary>
public sealed record TransitionInput(
    string Reason,
    string? LegalBasis = null,
    DateOnly? NewDueDate = null,
    DateOnly? PersonToldOn = null,
    bool IdentityVerified = false,
    bool AlreadyExtended = false,
    DateOnly? CurrentDueDate = null,
    RequestState? HeldFrom = null,
    IReadOnlyList<string>? AllowedPauses = null,
    string? PauseReason = null,
    DateOnly? On = null,
    DateOnly? ReceivedOn = null,
    DateOnly? Today = null,
    DateOnly? ClockStoppedOn = null,
    IReadOnlyList<string>? DenialReasons = null,
    string? DenialReason = null,
    bool DuplicateOfGiven = false);

/// <summary>A transition that the workflow does not allow; the message says what is wrong and what would be.</summary>
public sealed class InvalidTransitionException(string message) : Exception(message);

/// <summary>
/// The life of a data-subject request. Only the transitions in <see cref="Allowed"/> exist; their guards refuse
/// what the law or good practice does not allow (approving an unverified request, extending twice or after the
/// due date, denying without a legal basis). Nothing here touches storage: the use cases persist and audit.
/// </summary>
public static class RequestStateMachine
{
    private static readonly RequestState[] Open =
        [RequestState.Received, RequestState.Verifying, RequestState.InReview, RequestState.Extended, RequestState.Approved, RequestState.OnHold, RequestState.Failed, RequestState.ClockStopped];

    /// <summary>Every allowed (state, action) and where it leads; Resume leads back to where the hold began.</summary>
    public static IReadOnlyDictionary<(RequestState From, RequestAction Action), RequestState> Allowed { get; } = Build();

    private static Dictionary<(RequestState, RequestAction), RequestState> Build()
    {
        var t = new Dictionary<(RequestState, RequestAction), RequestState>
        {
            [(RequestState.Received, RequestAction.StartVerification)] = RequestState.Verifying,
            [(RequestState.Verifying, RequestAction.Verify)] = RequestState.InReview,
            [(RequestState.Verifying, RequestAction.Extend)] = RequestState.Extended,
            [(RequestState.InReview, RequestAction.Extend)] = RequestState.Extended,
            [(RequestState.InReview, RequestAction.Approve)] = RequestState.Approved,
            [(RequestState.Extended, RequestAction.Verify)] = RequestState.InReview,
            [(RequestState.Extended, RequestAction.Approve)] = RequestState.Approved,
            [(RequestState.Approved, RequestAction.StartProcessing)] = RequestState.Processing,
            [(RequestState.Processing, RequestAction.Complete)] = RequestState.Completed,
            [(RequestState.Processing, RequestAction.Fail)] = RequestState.Failed,
            [(RequestState.Failed, RequestAction.Retry)] = RequestState.Processing,
            [(RequestState.OnHold, RequestAction.Resume)] = RequestState.OnHold, // resolved to the held-from state
            [(RequestState.Received, RequestAction.StopClock)] = RequestState.ClockStopped,
            [(RequestState.Verifying, RequestAction.StopClock)] = RequestState.ClockStopped,
            [(RequestState.ClockStopped, RequestAction.RestartClock)] = RequestState.Verifying,
            [(RequestState.Approved, RequestAction.ApplyRestriction)] = RequestState.Restricted,
            [(RequestState.Approved, RequestAction.UpholdObjection)] = RequestState.ObjectionUpheld,
            [(RequestState.Approved, RequestAction.RecordDone)] = RequestState.Completed,
        };
        foreach (var state in new[] { RequestState.Received, RequestState.Verifying, RequestState.ClockStopped, RequestState.InReview, RequestState.Extended })
        {
            t[(state, RequestAction.CloseAsDuplicate)] = RequestState.Duplicate;
        }

        foreach (var state in Open)
        {
            t[(state, RequestAction.Withdraw)] = RequestState.Withdrawn;
            t[(state, RequestAction.Deny)] = RequestState.Denied;
            if (state is not (RequestState.OnHold or RequestState.Failed or RequestState.ClockStopped))
            {
                t[(state, RequestAction.Hold)] = RequestState.OnHold;
            }
        }

        return t;
    }

    public static bool IsFinal(RequestState state) => state is RequestState.Completed or RequestState.Denied or RequestState.Withdrawn or RequestState.Duplicate
        or RequestState.Restricted or RequestState.ObjectionUpheld;

    /// <summary>The closed states in which the request was complied with (the register counts them together).</summary>
    public static bool IsComplied(RequestState state) => state is RequestState.Completed or RequestState.Restricted or RequestState.ObjectionUpheld;

    /// <summary>The action that carries out an approved request of this type by hand, where the console has one (none: a job does it, or nothing yet).</summary>
    public static RequestAction? CarriedOutBy(string type) => type switch
    {
        "restriction" => RequestAction.ApplyRestriction,
        "objection" => RequestAction.UpholdObjection,
        "access" or "portability" or "erasure" => null, // the export and erasure jobs
        _ => RequestAction.RecordDone,
    };

    /// <summary>The closed states by name, as stored (for queries that leave closed requests out).</summary>
    public static readonly string[] FinalStates = Enum.GetValues<RequestState>().Where(IsFinal).Select(s => s.ToString()).ToArray();

    /// <summary>The states in which no deadline runs (closed, or the clock stopped): never due soon, never overdue.</summary>
    public static readonly string[] ClockNotRunning = [.. FinalStates, nameof(RequestState.ClockStopped)];

    /// <summary>The state after <paramref name="action"/>, or an <see cref="InvalidTransitionException"/> saying why not.</summary>
    public static RequestState Next(RequestState from, RequestAction action, TransitionInput input)
    {
        if (string.IsNullOrWhiteSpace(input.Reason) || input.Reason.Length > 2000)
        {
            throw ValidationException.For("transition", "reason", "A transition needs a reason (at most 2,000 characters).");
        }

        if (!Allowed.TryGetValue((from, action), out var to))
        {
            var possible = Allowed.Keys.Where(k => k.From == from).Select(k => k.Action.ToString()).ToList();
            throw new InvalidTransitionException(IsFinal(from)
                ? $"The request is {from}: it is closed and cannot be changed."
                : $"A request that is {from} cannot be {action}: possible now are {string.Join(", ", possible)}.");
        }

        switch (action)
        {
            case RequestAction.Approve when !input.IdentityVerified:
                throw new InvalidTransitionException("The person's identity has not been verified: verify it before approving.");
            case RequestAction.Deny:
                if (input.DenialReason is null || input.DenialReasons is not { } listed || !listed.Contains(input.DenialReason))
                {
                    throw ValidationException.For("transition", "denialReason", input.DenialReasons is { Count: > 0 } reasons
                        ? input.DenialReason is null ? "Choose the reason for refusing from the list." : $"A refusal gives one of the reasons the regime lists: {string.Join(", ", reasons)}."
                        : "This regime has no list of refusal reasons: a request under it cannot be refused here.");
                }

                if (input.DenialReason == RefusalReasons.Exemption && string.IsNullOrWhiteSpace(input.LegalBasis))
                {
                    throw ValidationException.For("transition", "legalBasis", "An exemption names its article (e.g. Art. 17(3)(e)).");
                }

                break;
            case RequestAction.StopClock:
                if (input.AllowedPauses is not { Count: > 0 } pauses)
                {
                    throw ValidationException.For("transition", "pauseReason", "The law of this request lets its clock run whatever happens: it cannot be stopped.");
                }

                if (input.PauseReason is null || !pauses.Contains(input.PauseReason))
                {
                    throw ValidationException.For("transition", "pauseReason", input.PauseReason is null
                        ? "Choose what the person must supply from the list."
                        : $"The clock stops only while waiting for: {string.Join(", ", pauses)}.");
                }

                if (input.On is not { } stoppedOn || (input.ReceivedOn is { } received && stoppedOn < received) || (input.Today is { } today && stoppedOn > today))
                {
                    throw ValidationException.For("transition", "on", "Give the day the information was asked for: from the day of receipt to today.");
                }

                if (input.CurrentDueDate is { } dueNow && stoppedOn > dueNow)
                {
                    throw ValidationException.For("transition", "on", "The request was already due on that day: a clock that has run out cannot be stopped.");
                }

                break;
            case RequestAction.RestartClock:
                if (input.On is not { } restartedOn || (input.ClockStoppedOn is { } stopped && restartedOn < stopped) || (input.Today is { } now && restartedOn > now))
                {
                    throw ValidationException.For("transition", "on", "Give the day the information arrived: from the day the clock stopped to today.");
                }

                break;
            case RequestAction.CloseAsDuplicate when !input.DuplicateOfGiven:
                throw ValidationException.For("transition", "duplicateOf", "Name the request this one duplicates.");
            case RequestAction.Extend:
                if (input.AlreadyExtended)
                {
                    throw new InvalidTransitionException("The request has been extended once already; the law allows one extension.");
                }

                if (input.NewDueDate is null || input.PersonToldOn is null)
                {
                    throw new InvalidTransitionException("An extension needs the new due date and the date the person was told.");
                }

                if (input.CurrentDueDate is { } due && (input.PersonToldOn > due || input.NewDueDate <= due))
                {
                    throw new InvalidTransitionException("The person must be told before the first due date, and the new due date must come after it.");
                }

                break;
            case RequestAction.Resume:
                return input.HeldFrom is { } held && held != RequestState.OnHold && !IsFinal(held)
                    ? held
                    : throw new InvalidTransitionException("Resuming needs the state the request was in when the hold began.");
        }

        return to;
    }
}
