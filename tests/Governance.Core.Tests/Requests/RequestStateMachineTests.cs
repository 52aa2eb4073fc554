using Governance.Core.Requests;

namespace Governance.Core.Tests.Requests;

public sealed class RequestStateMachineTests
{
    /// <summary>Inputs that satisfy every guard, so that only the table decides.</summary>
    private static readonly TransitionInput Valid = new("because", LegalBasis: "GDPR Art. 12(5)", NewDueDate: new DateOnly(2026, 4, 30),
        PersonToldOn: new DateOnly(2026, 2, 10), IdentityVerified: true, CurrentDueDate: new DateOnly(2026, 2, 28), HeldFrom: RequestState.InReview);

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

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Next_EveryStateAndAction_FollowsTheTableAndRefusesTheRest(RequestState from, RequestAction action)
    {
        if (RequestStateMachine.Allowed.TryGetValue((from, action), out var expected))
        {
            var to = RequestStateMachine.Next(from, action, Valid);
            Assert.Equal(action == RequestAction.Resume ? RequestState.InReview : expected, to);
        }
        else
        {
            var error = Assert.Throws<InvalidTransitionException>(() => RequestStateMachine.Next(from, action, Valid));
            Assert.Contains(from.ToString(), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Table_ClosedStatesLeadNowhere_AndEveryOpenStateCanBeWithdrawnOrDenied()
    {
        foreach (var closed in new[] { RequestState.Completed, RequestState.Denied, RequestState.Withdrawn })
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

    [Fact]
    public void Deny_WithoutLegalBasis_IsRefused() =>
        Assert.Contains("legal basis", Assert.Throws<InvalidTransitionException>(() =>
            RequestStateMachine.Next(RequestState.InReview, RequestAction.Deny, Valid with { LegalBasis = " " })).Message, StringComparison.Ordinal);

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
        Assert.Throws<ArgumentException>(() => RequestStateMachine.Next(RequestState.Received, RequestAction.StartVerification, Valid with { Reason = "" }));

    [Fact]
    public void FailedJob_CanBeRetried() =>
        Assert.Equal(RequestState.Processing, RequestStateMachine.Next(RequestState.Failed, RequestAction.Retry, Valid));
}
