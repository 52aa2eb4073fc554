using Governance.Core.Requests;

namespace Governance.Core.Tests.Requests;

/// <summary>Working calendars per regime (China's make-up working days included) and stops of the legal clock.</summary>
public sealed class CalendarTests
{
    private static Regime R(string code) => DeadlineTests.Shipped.Single(r => r.Code == code);

    private static DateOnly D(int y, int m, int d) => new(y, m, d);

    /// <summary>国务院办公厅关于2026年部分节假日安排的通知, written out here: days off, and weekend days worked.</summary>
    public static TheoryData<DateOnly, bool> China2026() => new()
    {
        { D(2026, 1, 1), false }, { D(2026, 1, 2), false }, { D(2026, 1, 4), true },   // 元旦; Sunday 4 January worked
        { D(2026, 2, 14), true }, { D(2026, 2, 16), false }, { D(2026, 2, 23), false }, // 春节 15-23 February; Saturday 14 worked
        { D(2026, 2, 24), true }, { D(2026, 2, 28), true },                             // Saturday 28 February worked
        { D(2026, 5, 5), false }, { D(2026, 5, 9), true },                              // 劳动节; Saturday 9 May worked
        { D(2026, 9, 20), true }, { D(2026, 9, 25), false },                            // Sunday 20 September worked; 中秋
        { D(2026, 10, 7), false }, { D(2026, 10, 10), true }, { D(2026, 10, 11), false }, // 国庆; Saturday 10 worked, Sunday 11 not
        { D(2026, 6, 17), true }, { D(2026, 6, 20), false },                            // an ordinary Wednesday; 端午 Saturday
    };

    [Theory]
    [MemberData(nameof(China2026))]
    public void ChinaCalendar_FollowsTheStateCouncilNotice(DateOnly day, bool working) =>
        Assert.Equal(working, R("pipl").Calendar.IsWorkingDay(day));

    [Fact]
    public void Pipl_ReceivedBeforeSpringFestival_CountsBothMadeUpSaturdays()
    {
        // Received Thursday 12 February 2026: 13 (1), Sat 14 (2), 15-23 off, 24-27 (3-6), Sat 28 (7), 2-6 March (8-12), 9-11 (13-15).
        var d = DeadlineCalculator.For(R("pipl"), new DateTimeOffset(2026, 2, 12, 10, 0, 0, TimeSpan.FromHours(8)));

        Assert.Equal(D(2026, 3, 11), d.Answer.LastDay);
    }

    [Fact]
    public void Pipl_DeadlineIn2027_IsComputedOnTheProvisionalYear_AndSaysSo()
    {
        var d = DeadlineCalculator.For(R("pipl"), new DateTimeOffset(2026, 12, 21, 10, 0, 0, TimeSpan.FromHours(8)));

        // 22-31 December: 8 working days; 1 January 2027 is a holiday; 4-8 January: 5 more (13); 11, 12 January: 15.
        Assert.Equal(D(2027, 1, 12), d.Answer.LastDay);
        Assert.True(R("pipl").Calendar.IsProvisional(d.Answer.LastDay));
        Assert.False(R("pipl").Calendar.IsProvisional(D(2026, 12, 31)));
    }

    [Fact]
    public void DeadlineInAYearTheCalendarLacks_IsRefused_NamingTheCalendarAndTheYear()
    {
        var pipl = R("pipl");

        var error = Assert.Throws<CalendarMissingException>(() => DeadlineCalculator.For(pipl, new DateTimeOffset(2027, 12, 20, 10, 0, 0, TimeSpan.FromHours(8))));

        Assert.Contains("'cn'", error.Message, StringComparison.Ordinal);
        Assert.Contains("2028", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    working_days: [2026-06-17]\n", 7, "only a weekend day")] // a Wednesday
    [InlineData("    holidays: [2027-01-01]\n", 7, "not in 2026")]
    [InlineData("    holidays: [2026-10-10]\n    working_days: [2026-10-10]\n", 8, "both a holiday and a working day")]
    [InlineData("    holidays: [2026-02-30]\n", 7, "must be a date")]
    public void BadCalendar_IsRefusedWithItsLine(string lines, int line, string message)
    {
        var text = "version: 1\nname: Test\nyears:\n  - year: 2026\n    source: a notice\n    provisional: false\n" + lines;

        var (calendar, problems) = WorkCalendarLoader.Load("t", "calendars/t.yaml", text);

        Assert.Null(calendar);
        Assert.Contains(problems, p => p.Where.Line == line && p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("    calendar: mars\n", "no file calendars/mars.yaml")]
    [InlineData("", "counts working days")]
    public void Regime_CountingWorkingDays_NeedsAnExistingCalendar(string calendarLine, string message)
    {
        var yaml = "version: 1\nregimes:\n  - code: x\n    name: X\n    time_zone: UTC\n    answer: { business_days: 5 }\n    no_pause_basis: none\n" + calendarLine;

        var (regimes, problems) = RegulationsLoader.Load("regulations.yaml", yaml, _ => null);

        Assert.Empty(regimes);
        Assert.Contains(problems, p => p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Regime_WithoutPauses_MustSayWhyTheClockNeverStops()
    {
        var yaml = "version: 1\nregimes:\n  - code: x\n    name: X\n    time_zone: UTC\n    answer: { days: 5 }\n";

        var (_, problems) = RegulationsLoader.Load("regulations.yaml", yaml, _ => null);

        Assert.Contains(problems, p => p.Message.Contains("no_pause_basis", StringComparison.Ordinal));
    }

    [Fact]
    public void Stop_AcrossTheMonthEnd_MovesTheDueDateByTheDaysLost_AndRollsToAWorkingDay()
    {
        var gdpr = R("gdpr");
        var received = DeadlineCalculator.For(gdpr, new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.FromHours(1)));
        Assert.Equal(D(2026, 3, 2), received.Answer.LastDay); // 28 February is a Saturday

        // Asked for identity information on 25 February, received on 3 March: 26 February to 3 March (6 days) off the clock.
        var lost = DeadlineCalculator.DaysLost(gdpr, D(2026, 2, 25), D(2026, 3, 3));
        var after = DeadlineCalculator.AnswerAfterStops(gdpr, received.ReceivedOn, lost);

        Assert.Equal(6, lost);
        Assert.Equal(D(2026, 3, 6), after.LastDay); // 28 February + 6 = Friday 6 March
    }

    [Fact]
    public void Stop_AcrossTheChangeToSummerTime_EndsAtLocalMidnightWithTheSummerOffset()
    {
        var gdpr = R("gdpr");
        var received = DeadlineCalculator.For(gdpr, new DateTimeOffset(2026, 3, 20, 10, 0, 0, TimeSpan.FromHours(1)));
        Assert.Equal(D(2026, 4, 20), received.Answer.LastDay);

        // Stopped 25 March (winter time), restarted 31 March (summer time since the 29th): 6 days; 26 April is a Sunday.
        var after = DeadlineCalculator.AnswerAfterStops(gdpr, received.ReceivedOn, DeadlineCalculator.DaysLost(gdpr, D(2026, 3, 25), D(2026, 3, 31)));

        Assert.Equal(D(2026, 4, 27), after.LastDay);
        Assert.Equal(TimeSpan.FromHours(2), after.EndsAt.Offset);
        Assert.Equal(new DateTimeOffset(2026, 4, 27, 21, 59, 59, TimeSpan.Zero).AddTicks(9_999_999), after.EndsAt.ToUniversalTime());
    }

    [Fact]
    public void Stop_OnAHolidayBeforeALongWeekend_RollsPastTheBelgianHoliday()
    {
        var gdpr = R("gdpr");
        var received = DeadlineCalculator.For(gdpr, new DateTimeOffset(2026, 3, 31, 10, 0, 0, TimeSpan.FromHours(2)));
        Assert.Equal(D(2026, 4, 30), received.Answer.LastDay);

        // One day lost: 1 May (Labour Day, a Belgian holiday), then the weekend: Monday 4 May.
        Assert.Equal(D(2026, 5, 4), DeadlineCalculator.AnswerAfterStops(gdpr, received.ReceivedOn, DeadlineCalculator.DaysLost(gdpr, D(2026, 4, 10), D(2026, 4, 11))).LastDay);
    }

    [Fact]
    public void Stop_UnderAWorkingDayPeriod_LosesOnlyTheWorkingDaysItCovers()
    {
        var pipl = R("pipl");
        var received = DeadlineCalculator.For(pipl, new DateTimeOffset(2026, 9, 21, 10, 0, 0, TimeSpan.FromHours(8)));
        // 22, 23, 24 (3); 25 中秋; 28, 29, 30 (6); 1-7 October off; 8, 9, Sat 10 (9); 12-16 (14); 19 (15).
        Assert.Equal(D(2026, 10, 19), received.Answer.LastDay);

        // Stopped 24 September, restarted 9 October: working days 28, 29, 30 September and 8, 9 October are lost.
        var lost = DeadlineCalculator.DaysLost(pipl, D(2026, 9, 24), D(2026, 10, 9));

        Assert.Equal(5, lost);
        Assert.Equal(D(2026, 10, 26), DeadlineCalculator.AnswerAfterStops(pipl, received.ReceivedOn, lost).LastDay); // 20, 21, 22, 23, 26
    }
}
