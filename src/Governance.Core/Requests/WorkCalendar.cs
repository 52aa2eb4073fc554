using System.Globalization;
using Governance.Core.DataMap;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Governance.Core.Requests;

/// <summary>One year of a working calendar: its public holidays and the weekend days worked in their place (China's 调休).</summary>
public sealed record CalendarYear(int Year, string Source, bool Provisional, IReadOnlySet<DateOnly> Holidays, IReadOnlySet<DateOnly> WorkingWeekendDays);

/// <summary>A deadline needs a day of a year that its calendar does not cover; the message names the calendar file and the year.</summary>
public sealed class CalendarMissingException(string message) : Exception(message);

/// <summary>
/// The working days of one country or state, year by year, from <c>policies/calendars/{code}.yaml</c>. A day is a
/// working day when it is a weekday and not a holiday, or a weekend day the authority moved work to. A day of a year
/// the file does not cover cannot be judged: the calculation is refused rather than guessed.
/// </summary>
public sealed record WorkCalendar(string Code, string Name, string File, IReadOnlyDictionary<int, CalendarYear> Years, bool WeekendsOnly = false)
{
    /// <summary>A calendar of weekends alone, in every year (a regime that names no calendar; tests of the arithmetic).</summary>
    public static WorkCalendar Weekends(string code) => new(code, code, "(weekends only)", new Dictionary<int, CalendarYear>(), WeekendsOnly: true);

    public bool IsWorkingDay(DateOnly day)
    {
        if (WeekendsOnly)
        {
            return day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
        }

        var year = YearOf(day);
        return year.WorkingWeekendDays.Contains(day) || (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !year.Holidays.Contains(day));
    }

    /// <summary>Whether <paramref name="day"/> falls in a year whose entries are not yet the authority's final word.</summary>
    public bool IsProvisional(DateOnly day) => Years.TryGetValue(day.Year, out var y) && y.Provisional;

    public CalendarYear YearOf(DateOnly day) =>
        Years.TryGetValue(day.Year, out var year)
            ? year
            : throw new CalendarMissingException($"The working calendar '{Code}' ({File}) has no entry for {day.Year}; a deadline falls in that year. Add the year's holidays and make-up working days, with their source.");
}

/// <summary>Loads a calendar file strictly: each problem with file, line and column; nothing loaded half-way.</summary>
public static class WorkCalendarLoader
{
    public static (WorkCalendar? Calendar, IReadOnlyList<DataMapProblem> Problems) Load(string code, string file, string text)
    {
        var problems = new List<DataMapProblem>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            return (null, [new DataMapProblem(new SourceLocation(file, (int)ex.Start.Line, (int)ex.Start.Column), $"Not valid YAML: {(ex.InnerException ?? ex).Message}")]);
        }

        var b = new YamlBinder(file, problems);
        var top = stream.Documents.Count == 1 ? b.Map(stream.Documents[0].RootNode, "the calendar", "version", "name", "years") : null;
        if (top is null)
        {
            problems.Add(new DataMapProblem(new SourceLocation(file, 1, 1), "A calendar file holds one mapping with 'version', 'name' and 'years'."));
            return (null, problems);
        }

        if (top.Text("version", required: true) is { } version && version != "1")
        {
            b.Problem(top.Get("version")!, $"Version '{version}' is not supported; this console reads version 1.");
        }

        var name = top.Text("name", required: true);
        var years = new Dictionary<int, CalendarYear>();
        foreach (var node in b.Items(top.Required("years"), "'years'"))
        {
            var m = b.Map(node, "a year", "year", "source", "provisional", "holidays", "working_days");
            if (m is null)
            {
                continue;
            }

            var yearText = m.Text("year", required: true);
            if (yearText is null)
            {
                continue;
            }

            if (!int.TryParse(yearText, NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is < 2000 or > 2100)
            {
                b.Problem(m.Get("year")!, $"'year' must be a year from 2000 to 2100, not '{yearText}'.");
                continue;
            }

            m.What = $"year {year}";
            var source = m.Text("source", required: true);
            var holidays = Dates(b, m, "holidays", year);
            var working = Dates(b, m, "working_days", year);
            foreach (var (day, at) in working)
            {
                if (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
                {
                    b.Problem(at, $"{day:yyyy-MM-dd} in 'working_days' of year {year} is a {day.DayOfWeek}: only a weekend day can be made a working day.");
                }

                if (holidays.Any(h => h.Day == day))
                {
                    b.Problem(at, $"{day:yyyy-MM-dd} of year {year} is both a holiday and a working day.");
                }
            }

            if (years.ContainsKey(year))
            {
                b.Problem(node, $"Year {year} is listed twice.");
            }
            else if (source is not null)
            {
                years[year] = new CalendarYear(year, source, m.Flag("provisional"), holidays.Select(h => h.Day).ToHashSet(), working.Select(w => w.Day).ToHashSet());
            }
        }

        return problems.Count > 0 || name is null ? (null, problems) : (new WorkCalendar(code, name, file, years), problems);
    }

    private static List<(DateOnly Day, YamlNode At)> Dates(YamlBinder b, YamlBinder.MapReader m, string key, int year)
    {
        var days = new List<(DateOnly, YamlNode)>();
        foreach (var item in b.Items(m.Get(key), $"'{key}' of {m.What}"))
        {
            var text = b.Scalar(item, $"an item of '{key}' of {m.What}");
            if (text is null)
            {
                continue;
            }

            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                b.Problem(item, $"'{text}' in '{key}' of {m.What} must be a date yyyy-MM-dd.");
            }
            else if (day.Year != year)
            {
                b.Problem(item, $"{text} in '{key}' is not in {year}.");
            }
            else if (days.Any(d => d.Item1 == day))
            {
                b.Problem(item, $"{text} is listed twice in '{key}' of {m.What}.");
            }
            else
            {
                days.Add((day, item));
            }
        }

        return days;
    }
}
