using System.Globalization;
using Governance.Core.DataMap;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Governance.Core.Requests;

/// <summary>A span of time in the unit the law uses: calendar months, calendar days or business days.</summary>
public readonly record struct Period(int Months, int Days, int BusinessDays)
{
    public bool IsZero => Months == 0 && Days == 0 && BusinessDays == 0;

    public override string ToString() =>
        Months > 0 ? $"{Months} month(s)" : BusinessDays > 0 ? $"{BusinessDays} business day(s)" : $"{Days} day(s)";
}

/// <summary>One regime's clock, as <c>policies/regulations.yaml</c> states it.</summary>
public sealed record Regime(
    string Code,
    string Name,
    TimeZoneInfo TimeZone,
    Period Answer,
    Period? Extension,
    Period? TellExtensionWithin,
    Period? Acknowledge,
    bool RollToWorkingDay,
    IReadOnlySet<DateOnly> Holidays);

/// <summary>Loads <c>policies/regulations.yaml</c> strictly: each problem with file, line and column; nothing loaded half-way.</summary>
public static class RegulationsLoader
{
    public static (IReadOnlyList<Regime> Regimes, IReadOnlyList<DataMapProblem> Problems) Load(string file, string text)
    {
        var problems = new List<DataMapProblem>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            return ([], [new DataMapProblem(new SourceLocation(file, (int)ex.Start.Line, (int)ex.Start.Column), $"Not valid YAML: {(ex.InnerException ?? ex).Message}")]);
        }

        var b = new YamlBinder(file, problems);
        var regimes = new List<Regime>();
        var top = stream.Documents.Count == 1 ? b.Map(stream.Documents[0].RootNode, "the regulations", "version", "regimes") : null;
        if (top is null)
        {
            problems.Add(new DataMapProblem(new SourceLocation(file, 1, 1), "The regulations file holds one mapping with 'version' and 'regimes'."));
            return ([], problems);
        }

        if (top.Text("version", required: true) is { } version && version != "1")
        {
            b.Problem(top.Get("version")!, $"Version '{version}' is not supported; this console reads version 1.");
        }

        foreach (var node in b.Items(top.Required("regimes"), "'regimes'"))
        {
            var m = b.Map(node, "a regime", "code", "name", "time_zone", "answer", "extension", "tell_extension_within", "acknowledge", "roll_to_working_day", "holidays");
            if (m is null)
            {
                continue;
            }

            var code = m.Text("code", required: true);
            m.What = code is null ? "a regime" : $"regime '{code}'";
            var name = m.Text("name", required: true);
            TimeZoneInfo? zone = null;
            if (m.Text("time_zone", required: true) is { } zoneId)
            {
                try
                {
                    zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
                }
                catch (TimeZoneNotFoundException)
                {
                    b.Problem(m.Get("time_zone")!, $"Time zone '{zoneId}' is not known; use an IANA name such as Europe/Brussels.");
                }
            }

            var answer = ReadPeriod(b, m.Required("answer"), $"'answer' of {m.What}");
            var holidays = new HashSet<DateOnly>();
            foreach (var day in m.Names("holidays"))
            {
                if (DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                {
                    holidays.Add(d);
                }
                else
                {
                    b.Problem(m.Get("holidays")!, $"Holiday '{day}' of {m.What} must be a date yyyy-MM-dd.");
                }
            }

            if (regimes.Any(r => r.Code == code))
            {
                b.Problem(node, $"Regime '{code}' is defined twice.");
            }

            if (code is not null && name is not null && zone is not null && answer is { IsZero: false })
            {
                regimes.Add(new Regime(code, name, zone, answer.Value, ReadPeriod(b, m.Get("extension"), $"'extension' of {m.What}"),
                    ReadPeriod(b, m.Get("tell_extension_within"), $"'tell_extension_within' of {m.What}"),
                    ReadPeriod(b, m.Get("acknowledge"), $"'acknowledge' of {m.What}"), m.Flag("roll_to_working_day"), holidays));
            }
        }

        return problems.Count > 0 ? ([], problems) : (regimes, problems);
    }

    private static Period? ReadPeriod(YamlBinder b, YamlNode? node, string what)
    {
        var m = b.Map(node, what, "months", "days", "business_days");
        if (m is null)
        {
            return null;
        }

        int Read(string key)
        {
            var text = m.Text(key);
            if (text is null)
            {
                return 0;
            }

            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 3650)
            {
                return n;
            }

            b.Problem(m.Get(key)!, $"'{key}' of {what} must be a whole number from 1 to 3650.");
            return 0;
        }

        var period = new Period(Read("months"), Read("days"), Read("business_days"));
        if ((period.Months > 0 ? 1 : 0) + (period.Days > 0 ? 1 : 0) + (period.BusinessDays > 0 ? 1 : 0) != 1)
        {
            b.Problem(node!, $"{what} needs exactly one of months, days or business_days.");
        }

        return period;
    }
}
