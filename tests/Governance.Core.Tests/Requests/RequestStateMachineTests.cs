using Governance.Core.Requests;
using Governance.Core.Validation;

namespace Governance.Core.Tests.Requests;

public sealed class RequestStateMachineTests
{
    /// <summary>Inputs that satisfy every guard, so that only the table decides.</summary>
    private static readonly TransitionInput Valid = new("because", LegalBasis: "Art. 17(3)(e)", NewDueDate: new DateOnly(2026, 4, 30),
        PersonToldOn: new DateOnly(2026, 2, 10), IdentityVerified: true, CurrentDueDate: new DateOnly(2026, 2, 28), HeldFrom: RequestState.InReview,
        AllowedPauses: ["identity-information"], PauseReason: "identity-information", On: new DateOnly(2026, 2, 5), ReceivedOn: new DateOnly(2026, 1, 28),
        Today: new DateOnly(2026, 2, 12), ClockStoppedOn: new DateOnly(2026, 2, 1), DenialReasons: ["unverifiable", "exemption", "other"], DenialReason: "exemption",
        DuplicateOfGiven: true);

    /// <summary>
    /// The transition table as docs/requests.md writes it for people: the independent truth that the state machine
    /// must follow (kebab-case names; "-" is refused; "held-from" is where the hold began).
    /// </summary>
    private static Dictionary<(string State, string Action), string> DocumentedTable()
    {
        var folder = Directory.GetParent(Governance.Core.Tests.DataMap.DataMapLoaderTests.PoliciesFolder())!.Parent!.FullName;
        var lines = File.ReadAllLines(Path.Combine(folder, "docs", "requests.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| state \\ action |", StringComparison.Ordinal));
        Assert.True(header >= 0, "docs/requests.md has no transition table");
        string[] Cells(string line) => line.Trim('|', ' ').Split('|').Select(c => c.Trim()).ToArray();
        var actions = Cells(lines[header]).Skip(1).ToArray();
        var table = new Dictionary<(string, string), string>();
        foreach (var row in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = Cells(row);
            for (var i = 0; i < actions.Length; i++)
            {
                table[(cells[0], actions[i])] = cells[i + 1];
            }
        }

        return table;
    }

    public static TheoryData<RequestState, RequestAction> EveryPair()
    {
        var data = new TheoryData<RequestState, RequestAction>();
        foreach (var s in Enum.GetValues<RequestState>())
        {
            foreach (var a in Enum.GetValues<RequestAction>())
            {
                data.Add(s, a);
            }
        }

        return data;
    }

    [Fact]
    public void DocumentedTable_NamesEveryStateAndEveryAction()
    {
        var table = DocumentedTable();

        Assert.Equal(Enum.GetValues<RequestState>().Length * Enum.GetValues<RequestAction>().Length, table.Count);
        Assert.All(EveryPair(), pair => Assert.True(table.ContainsKey((Kebab((RequestState)pair[0]), Kebab((RequestAction)pair[1]))), $"{pair[0]} x {pair[1]} missing"));
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Next_EveryStateAndAction_FollowsTheTableInTheDocs(RequestState from, RequestAction action)
    {
        var expected = DocumentedTable()[(Kebab(from), Kebab(action))];

        if (expected == "-")
        {
            var error = Assert.Throws<InvalidTransitionException>(() => RequestStateMachine.Next(from, action, Valid));
            Assert.Contains(from.ToString(), error.Message, StringComparison.Ordinal);
            return;
        }

        var to = RequestStateMachine.Next(from, action, Valid);
        Assert.Equal(expected == "held-from" ? Kebab(Valid.HeldFrom!.Value) : expected, Kebab(to));
    }

    private static string Kebab(Enum value) => Governance.Core.DataMap.NameStyle.Kebab(value);

    [Fact]
    public void Table_ClosedStatesLeadNowhere_AndEveryOpenStateCanBeWithdrawnOrDenied()
    {
        foreach (var closed in new[] { RequestState.Completed, RequestState.Denied, RequestState.Withdrawn, RequestState.Duplicate })
        {
            Assert.DoesNotContain(RequestStateMachine.Allowed.Keys, k => k.From == closed);
        }

        foreach (var open in Enum.GetValues<RequestState>().Where(s => !RequestStateMachine.IsFinal(s) && s != RequestState.Processing))
        {
            Assert.Equal(RequestState.Withdrawn, RequestStateMachine.Allowed[(open, RequestAction.Withdraw)]);
            Assert.Equal(RequestState.Denied, RequestStateMachine.Allowed[(open, RequestAction.Deny)]);
        }
    }

    [Fact]
    public void Approve_Unverified_IsRefused() =>
        Assert.Contains("verified", Assert.Throws<InvalidTransitionException>(() =>
            RequestStateMachine.Next(RequestState.InReview, RequestAction.Approve, Valid with { IdentityVerified = false })).Message, StringComparison.Ordinal);

    [Fact]
    public void Approve_StraightFromReceived_IsRefused() =>
        Assert.Throws<InvalidTransitionException>(() => RequestStateMachine.Next(RequestState.Received, RequestAction.Approve, Valid));

    [Theory]
    [InlineData(null, "denialReason")]
    [InlineData("manifestly-unfounded", "denialReason")] // not in this regime's list
    [InlineData("exemption", "legalBasis")] // an exemption without its article
    public void Deny_WithoutAListedReason_OrAnExemptionWithoutItsArticle_IsRefusedOnItsField(string? reason, string field)
    {
        var error = Assert.Throws<ValidationException>(() =>
            RequestStateMachine.Next(RequestState.InReview, RequestAction.Deny, Valid with { DenialReason = reason, LegalBasis = " " }));

        Assert.Equal(field, Assert.Single(error.Errors).Key);
    }

    [Fact]
    public void Deny_WithAListedReason_NeedsNoArticleUnlessAnExemption() =>
        Assert.Equal(RequestState.Denied, RequestStateMachine.Next(RequestState.Verifying, RequestAction.Deny, Valid with { DenialReason = "unverifiable", LegalBasis = null }));

    [Fact]
    public void StopClock_UnderALawThatAllowsNoStop_IsRefusedOnTheReasonField()
    {
        var error = Assert.Throws<ValidationException>(() =>
            RequestStateMachine.Next(RequestState.Verifying, RequestAction.StopClock, Valid with { AllowedPauses = [] }));

        Assert.Equal("pauseReason", Assert.Single(error.Errors).Key);
        Assert.Contains("cannot be stopped", string.Join(" ", Assert.Single(error.Errors).Value), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clarification", 2026, 2, 5, "pauseReason")] // a reason the regime does not list
    [InlineData("identity-information", 2026, 1, 27, "on")] // before receipt
    [InlineData("identity-information", 2026, 2, 13, "on")] // after today
    [InlineData("identity-information", 2026, 3, 1, "on")] // after the due date (28 February), with today moved on
    public void StopClock_ForAnUnlistedReason_OrOnAWrongDay_IsRefused(string reason, int y, int m, int d, string field)
    {
        var input = Valid with { PauseReason = reason, On = new DateOnly(y, m, d), Today = m == 3 ? new DateOnly(2026, 3, 2) : Valid.Today };

        var error = Assert.Throws<ValidationException>(() => RequestStateMachine.Next(RequestState.Received, RequestAction.StopClock, input));

        Assert.Equal(field, Assert.Single(error.Errors).Key);
    }

    [Theory]
    [InlineData(2026, 1, 31)] // before the clock stopped (1 February)
    [InlineData(2026, 2, 13)] // after today
    public void RestartClock_OnAWrongDay_IsRefused(int y, int m, int d) =>
        Assert.Equal("on", Assert.Single(Assert.Throws<ValidationException>(() =>
            RequestStateMachine.Next(RequestState.ClockStopped, RequestAction.RestartClock, Valid with { On = new DateOnly(y, m, d) })).Errors).Key);

    [Fact]
    public void CloseAsDuplicate_WithoutTheOriginal_IsRefused() =>
        Assert.Equal("duplicateOf", Assert.Single(Assert.Throws<ValidationException>(() =>
            RequestStateMachine.Next(RequestState.InReview, RequestAction.CloseAsDuplicate, Valid with { DuplicateOfGiven = false })).Errors).Key);

    [Theory]
    [InlineData(true, 2026, 4, 30, 2026, 2, 10, "once already")]
    [InlineData(false, 2026, 4, 30, 2026, 3, 1, "before the first due date")]
    [InlineData(false, 2026, 2, 20, 2026, 2, 10, "after it")]
    public void Extend_Twice_TooLate_OrNotLater_IsRefused(bool already, int y, int m, int d, int ty, int tm, int td, string message)
    {
        var input = Valid with { AlreadyExtended = already, NewDueDate = new DateOnly(y, m, d), PersonToldOn = new DateOnly(ty, tm, td) };

        var error = Assert.Throws<InvalidTransitionException>(() => RequestStateMachine.Next(RequestState.InReview, RequestAction.Extend, input));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extend_WithoutDates_IsRefused() =>
        Assert.Throws<InvalidTransitionException>(() => RequestStateMachine.Next(RequestState.InReview, RequestAction.Extend, Valid with { PersonToldOn = null }));

    [Theory]
    [InlineData(RequestState.Verifying)]
    [InlineData(RequestState.Approved)]
    public void HoldThenResume_ReturnsToWhereTheHoldBegan(RequestState before)
    {
        var held = RequestStateMachine.Next(before, RequestAction.Hold, Valid);

        Assert.Equal(RequestState.OnHold, held);
        Assert.Equal(before, RequestStateMachine.Next(held, RequestAction.Resume, Valid with { HeldFrom = before }));
        Assert.Throws<InvalidTransitionException>(() => RequestStateMachine.Next(held, RequestAction.Resume, Valid with { HeldFrom = null }));
        Assert.Throws<InvalidTransitionException>(() => RequestStateMachine.Next(held, RequestAction.Resume, Valid with { HeldFrom = RequestState.Completed }));
    }

    [Fact]
    public void Next_WithoutReason_IsRefused() =>
        Assert.Throws<ValidationException>(() => RequestStateMachine.Next(RequestState.Received, RequestAction.StartVerification, Valid with { Reason = "" }));

    [Fact]
    public void FailedJob_CanBeRetried() =>
        Assert.Equal(RequestState.Processing, RequestStateMachine.Next(RequestState.Failed, RequestAction.Retry, Valid));
}
