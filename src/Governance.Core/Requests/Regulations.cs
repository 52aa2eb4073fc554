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
    WorkCalendar Calendar,
    string? PeriodSource = null,
    IReadOnlyList<string>? PauseReasons = null,
    string? NoPauseBasis = null,
    bool Fees = false,
    string? FeeBasis = null,
    string? Authority = null)
{
    /// <summary>The reasons for which the regime lets the clock stop (none: the clock runs whatever happens).</summary>
    public IReadOnlyList<string> Pauses => PauseReasons ?? [];
}

/// <summary>The reasons a request's clock may be stopped, where the regime allows it at all.</summary>
public static class PauseReasons
{
    /// <summary>Waiting for information the person must supply to confirm who they are (GDPR Art. 12(6), recital 64).</summary>
    public const string IdentityInformation = "identity-information";

    /// <summary>Waiting for the person to say which information or processing the request is about (GDPR recital 63).</summary>
    public const string Clarification = "clarification";

    public static readonly string[] All = [IdentityInformation, Clarification];
}

/// <summary>Loads <c>policies/regulations.yaml</c> strictly: each problem with file, line and column; nothing loaded half-way.</summary>
public static class RegulationsLoader
{
    /// <summary>Loads the file with the calendars it names from <c>calendars/</c> beside it.</summary>
    public static (IReadOnlyList<Regime> Regimes, IReadOnlyList<DataMapProblem> Problems) Load(string file, string text) =>
        Load(file, text, code =>
        {
            var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "calendars", code + ".yaml");
            return File.Exists(path) ? (path, File.ReadAllText(path)) : null;
        });

    public static (IReadOnlyList<Regime> Regimes, IReadOnlyList<DataMapProblem> Problems) Load(string file, string text, Func<string, (string File, string Text)?> calendarFile)
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
            var m = b.Map(node, "a regime", "code", "name", "time_zone", "answer", "extension", "tell_extension_within", "acknowledge", "roll_to_working_day", "calendar",
                "period_source", "pauses", "no_pause_basis", "fees", "fee_basis", "authority");
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
            WorkCalendar? calendar = null;
            if (m.Text("calendar") is { } calendarCode)
            {
                if (!System.Text.RegularExpressions.Regex.IsMatch(calendarCode, "^[a-z0-9-]{1,40}$"))
                {
                    b.Problem(m.Get("calendar")!, $"Calendar '{calendarCode}' of {m.What} must be a file name of lower-case letters, digits and hyphens.");
                }
                else if (calendarFile(calendarCode) is not { } found)
                {
                    b.Problem(m.Get("calendar")!, $"Calendar '{calendarCode}' of {m.What} has no file calendars/{calendarCode}.yaml.");
                }
                else
                {
                    var (loaded, calendarProblems) = WorkCalendarLoader.Load(calendarCode, found.File, found.Text);
                    problems.AddRange(calendarProblems);
                    calendar = loaded;
                }
            }

            var pauses = m.Names("pauses").ToList();
            foreach (var reason in pauses.Where(p => !PauseReasons.All.Contains(p)))
            {
                b.Problem(m.Get("pauses")!, $"Pause reason '{reason}' of {m.What} is not known; use {string.Join(" or ", PauseReasons.All)}.");
            }

            if (pauses.Count == 0 && m.Text("no_pause_basis") is null)
            {
                b.Problem(node, $"{m.What} lists no 'pauses': say why its clock never stops in 'no_pause_basis'.");
            }

            var fees = m.Flag("fees");
            if (fees && m.Text("fee_basis") is null)
            {
                b.Problem(m.Get("fees")!, $"{m.What} allows fees: name their basis in 'fee_basis'.");
            }

            if (regimes.Any(r => r.Code == code))
            {
                b.Problem(node, $"Regime '{code}' is defined twice.");
            }

            var extension = ReadPeriod(b, m.Get("extension"), $"'extension' of {m.What}");
            var tell = ReadPeriod(b, m.Get("tell_extension_within"), $"'tell_extension_within' of {m.What}");
            var acknowledge = ReadPeriod(b, m.Get("acknowledge"), $"'acknowledge' of {m.What}");
            var roll = m.Flag("roll_to_working_day");
            var countsWorkingDays = roll || new[] { answer, extension, tell, acknowledge }.Any(p => p is { BusinessDays: > 0 });
            if (countsWorkingDays && m.Get("calendar") is null)
            {
                b.Problem(node, $"{m.What} counts working days: name its holidays' 'calendar' (a file in calendars/).");
            }

            if (code is not null && name is not null && zone is not null && answer is { IsZero: false })
            {
                regimes.Add(new Regime(code, name, zone, answer.Value, extension, tell, acknowledge, roll, calendar ?? WorkCalendar.Weekends(code),
                    m.Text("period_source"), pauses, m.Text("no_pause_basis"), fees, m.Text("fee_basis"), m.Text("authority")));
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
