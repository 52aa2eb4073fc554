using Governance.Core.Requests;
using Governance.Core.Tests.DataMap;

namespace Governance.Core.Tests.Requests;

public sealed class DeadlineTests
{
    /// <summary>The regimes of the shipped regulations file, with their calendars (the other clock tests read them too).</summary>
    internal static readonly IReadOnlyList<Regime> Shipped = LoadShipped();

    private static IReadOnlyList<Regime> LoadShipped()
    {
        var file = Path.Combine(Directory.GetParent(DataMapLoaderTests.PoliciesFolder())!.FullName, "regulations.yaml");
        var (regimes, problems) = RegulationsLoader.Load(file, File.ReadAllText(file));
        Assert.Empty(problems);
        return regimes;
    }

    private static Regime R(string code) => Shipped.Single(r => r.Code == code);

    private static DateTimeOffset Local(Regime regime, int y, int m, int d, int h = 10) =>
        new(new DateTime(y, m, d, h, 0, 0), regime.TimeZone.GetUtcOffset(new DateTime(y, m, d, h, 0, 0)));

    [Fact]
    public void ShippedRegulations_HaveTheThreeRegimes() => Assert.Equal(["gdpr", "ccpa", "pipl"], Shipped.Select(r => r.Code));

    [Theory]
    [InlineData(2026, 3, 31, 2026, 4, 30)] // no 31 April: the last day of April
    [InlineData(2028, 1, 31, 2028, 2, 29)] // leap year
    [InlineData(2026, 6, 15, 2026, 7, 15)]
    [InlineData(2026, 12, 31, 2027, 1, 31)] // across the year end
    public void Gdpr_OneCalendarMonth_SameDateOrLastDayOfTheMonth(int y, int m, int d, int ey, int em, int ed)
    {
        var gdpr = R("gdpr") with { RollToWorkingDay = false };

        Assert.Equal(new DateOnly(ey, em, ed), DeadlineCalculator.For(gdpr, Local(gdpr, y, m, d)).Answer.LastDay);
    }

    [Fact]
    public void Gdpr_ReceivedOn31January_DueOnTheLastDayOfFebruary_RolledToMondayWhenThatIsASaturday()
    {
        var gdpr = R("gdpr");

        Assert.Equal(new DateOnly(2026, 2, 28), DeadlineCalculator.For(gdpr with { RollToWorkingDay = false }, Local(gdpr, 2026, 1, 31)).Answer.LastDay);
        Assert.Equal(new DateOnly(2026, 3, 2), DeadlineCalculator.For(gdpr, Local(gdpr, 2026, 1, 31)).Answer.LastDay); // 28 Feb 2026 is a Saturday
        Assert.Equal(new DateOnly(2026, 4, 30), DeadlineCalculator.For(gdpr, Local(gdpr, 2026, 1, 31)).ExtendedAnswer!.LastDay); // three months in all
    }

    [Fact]
    public void Gdpr_ReceiptLateInTheEveningUtc_CountsFromTheLocalDate()
    {
        var gdpr = R("gdpr") with { RollToWorkingDay = false };
        var lateUtc = new DateTimeOffset(2026, 1, 31, 23, 30, 0, TimeSpan.Zero); // 00:30 on 1 February in Brussels

        var deadlines = DeadlineCalculator.For(gdpr, lateUtc);

        Assert.Equal(new DateOnly(2026, 2, 1), deadlines.ReceivedOn);
        Assert.Equal(new DateOnly(2026, 3, 1), deadlines.Answer.LastDay);
    }

    [Fact]
    public void Deadline_EndsAtLocalMidnight_WithTheOffsetOfItsOwnDate_AcrossDaylightSaving()
    {
        var gdpr = R("gdpr") with { RollToWorkingDay = false };

        var winter = DeadlineCalculator.For(gdpr, Local(gdpr, 2026, 2, 20)).Answer; // due 20 March: +01:00
        var summer = DeadlineCalculator.For(gdpr, Local(gdpr, 2026, 3, 28)).Answer; // due 28 April: +02:00

        Assert.Equal(TimeSpan.FromHours(1), winter.EndsAt.Offset);
        Assert.Equal(TimeSpan.FromHours(2), summer.EndsAt.Offset);
        Assert.Equal(new DateTimeOffset(2026, 4, 28, 21, 59, 59, TimeSpan.Zero).AddTicks(9_999_999), summer.EndsAt.ToUniversalTime());
    }

    [Fact]
    public void Ccpa_45CalendarDays_TenBusinessDaysToAcknowledge_SkippingThanksgiving_AndOneExtensionOf45()
    {
        var ccpa = R("ccpa");

        var d = DeadlineCalculator.For(ccpa, Local(ccpa, 2026, 11, 25)); // Wednesday before Thanksgiving

        Assert.Equal(new DateOnly(2027, 1, 9), d.Answer.LastDay);
        // California state holidays (11 CCR § 7001): Thanksgiving and the day after it, 26 and 27 November, do not count.
        Assert.Equal(new DateOnly(2026, 12, 11), d.Acknowledge!.LastDay);
        Assert.Equal(new DateOnly(2027, 2, 23), d.ExtendedAnswer!.LastDay);
        Assert.Equal(TimeSpan.FromHours(-8), d.Answer.EndsAt.Offset);
    }

    [Fact]
    public void Pipl_FifteenWorkingDays_SkipTheNationalDayWeek_AndCountTheMadeUpSaturday()
    {
        var d = DeadlineCalculator.For(R("pipl"), new DateTimeOffset(2026, 9, 30, 20, 0, 0, TimeSpan.Zero)); // 04:00 on 1 October in Shanghai

        // State Council notice for 2026: 1-7 October off, Saturday 10 October worked. Working days from 8 October:
        // 8, 9, 10 (Sat), 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27.
        Assert.Equal(new DateOnly(2026, 10, 27), d.Answer.LastDay);
        Assert.Null(d.ExtendedAnswer);
        Assert.Null(d.Acknowledge);
    }

    [Theory]
    [InlineData("version: 1\nregimes:\n  - code: x\n    name: X\n    time_zone: Mars/Olympus\n    answer: { days: 5 }\n", 5, "Time zone 'Mars/Olympus'")]
    [InlineData("version: 1\nregimes:\n  - code: x\n    name: X\n    time_zone: UTC\n    answer: { days: 5, months: 1 }\n", 6, "exactly one of")]
    [InlineData("version: 1\nregimes:\n  - code: x\n    name: X\n    time_zone: UTC\n    answer: { days: -5 }\n", 6, "whole number")]
    [InlineData("version: 1\nregimes:\n  - code: x\n    name: X\n    time_zone: UTC\n    answer: { days: 5 }\n    colour: red\n", 7, "Unknown key 'colour'")]
    [InlineData("version: 1\nregimes:\n  - code: x\n    name: X\n    time_zone: UTC\n    answer: { days: 5 }\n    pauses: [coffee]\n", 7, "Pause reason 'coffee'")]
    public void Load_BadRegulations_AreNamedWithTheirLine_AndNothingIsLoaded(string yaml, int line, string message)
    {
        var (regimes, problems) = RegulationsLoader.Load("regulations.yaml", yaml);

        Assert.Empty(regimes);
        Assert.Contains(problems, p => p.Where.Line == line && p.Message.Contains(message, StringComparison.Ordinal));
    }
}
