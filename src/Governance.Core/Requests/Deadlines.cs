namespace Governance.Core.Requests;

/// <summary>A deadline: the last day (in the regime's time zone) and the instant it ends.</summary>
public sealed record Deadline(DateOnly LastDay, DateTimeOffset EndsAt);

/// <summary>The deadlines of one request.</summary>
public sealed record RequestDeadlines(DateOnly ReceivedOn, Deadline Answer, Deadline? Acknowledge, Deadline? TellExtensionBy, Deadline? ExtendedAnswer);

/// <summary>
/// Deadline arithmetic. The day of receipt does not count; a period ends at the end of its last day in the
/// regime's time zone (so daylight-saving changes move nothing). Calendar months follow Regulation 1182/71
/// Art. 3(2)(c): the period ends on the day of the last month with the same date as the day of receipt, or on
/// that month's last day when it has no such date (received 31 January: due 28 or 29 February). Where the
/// regime says so, a period that would end on a Saturday, Sunday or holiday ends on the next working day.
/// Business days skip weekends and the regime's holidays.
/// </summary>
public static class DeadlineCalculator
{
    public static RequestDeadlines For(Regime regime, DateTimeOffset receivedAt)
    {
        var receivedOn = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(receivedAt, regime.TimeZone).DateTime);
        var answer = End(regime, Add(regime, receivedOn, regime.Answer), roll: regime.RollToWorkingDay);
        Deadline? acknowledge = regime.Acknowledge is { } ack ? End(regime, Add(regime, receivedOn, ack), roll: false) : null;
        Deadline? tell = regime.TellExtensionWithin is { } t ? End(regime, Add(regime, receivedOn, t), roll: regime.RollToWorkingDay) : null;
        Deadline? extended = null;
        if (regime.Extension is { } ext)
        {
            // The extension runs on from the unrolled end of the first period: months from receipt, days from the first due day.
            var baseDay = Add(regime, receivedOn, regime.Answer);
            var last = ext.Months > 0 && regime.Answer.Months > 0
                ? AddMonths(receivedOn, regime.Answer.Months + ext.Months)
                : Add(regime, baseDay, ext);
            extended = End(regime, last, roll: regime.RollToWorkingDay);
        }

        return new RequestDeadlines(receivedOn, answer, acknowledge, tell, extended);
    }

    /// <summary>
    /// What a stop of the clock from <paramref name="stoppedOn"/> (the day the information was asked for, which still
    /// counted) to <paramref name="restartedOn"/> (the day it arrived, which does not) takes off the clock, in the unit
    /// the answer period counts: working days for a period of working days, else calendar days.
    /// </summary>
    public static int DaysLost(Regime regime, DateOnly stoppedOn, DateOnly restartedOn)
    {
        if (regime.Answer.BusinessDays == 0)
        {
            return restartedOn.DayNumber - stoppedOn.DayNumber;
        }

        var lost = 0;
        for (var day = stoppedOn.AddDays(1); day <= restartedOn; day = day.AddDays(1))
        {
            lost += IsWorkingDay(regime, day) ? 1 : 0;
        }

        return lost;
    }

    /// <summary>The answer deadline once the clock has been stopped for <paramref name="lost"/> days in all (<see cref="DaysLost"/>).</summary>
    public static Deadline AnswerAfterStops(Regime regime, DateOnly receivedOn, int lost)
    {
        var last = regime.Answer.BusinessDays > 0
            ? Add(regime, receivedOn, regime.Answer with { BusinessDays = regime.Answer.BusinessDays + lost })
            : Add(regime, receivedOn, regime.Answer).AddDays(lost);
        return End(regime, last, roll: regime.RollToWorkingDay);
    }

    /// <summary>An extended due date moved on by one stop of the clock (<see cref="DaysLost"/>).</summary>
    public static DateOnly ExtendedAfterStop(Regime regime, DateOnly extended, int lost) =>
        regime.Answer.BusinessDays > 0
            ? Add(regime, extended, new Period(0, 0, lost))
            : End(regime, extended.AddDays(lost), roll: regime.RollToWorkingDay).LastDay;

    /// <summary>The date a period after <paramref name="from"/> ends (before any roll to a working day).</summary>
    public static DateOnly Add(Regime regime, DateOnly from, Period period)
    {
        if (period.Months > 0)
        {
            return AddMonths(from, period.Months);
        }

        if (period.Days > 0)
        {
            return from.AddDays(period.Days);
        }

        var day = from;
        for (var left = period.BusinessDays; left > 0;)
        {
            day = day.AddDays(1);
            if (IsWorkingDay(regime, day))
            {
                left--;
            }
        }

        return day;
    }

    /// <summary>Same date <paramref name="months"/> later, or the last day of that month when it has no such date.</summary>
    public static DateOnly AddMonths(DateOnly from, int months)
    {
        var target = new DateOnly(from.Year, from.Month, 1).AddMonths(months);
        return new DateOnly(target.Year, target.Month, Math.Min(from.Day, DateTime.DaysInMonth(target.Year, target.Month)));
    }

    public static bool IsWorkingDay(Regime regime, DateOnly day) => regime.Calendar.IsWorkingDay(day);

    private static Deadline End(Regime regime, DateOnly last, bool roll)
    {
        if (roll)
        {
            while (!IsWorkingDay(regime, last))
            {
                last = last.AddDays(1);
            }
        }

        // The end of the last day in local time: the start of the next day, converted through the zone's rules of that date.
        var nextMidnight = last.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        var offset = regime.TimeZone.GetUtcOffset(nextMidnight);
        return new Deadline(last, new DateTimeOffset(nextMidnight, offset).AddTicks(-1));
    }
}
