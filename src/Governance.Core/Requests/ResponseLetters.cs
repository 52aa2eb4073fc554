using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Governance.Core.Audit;
using Governance.Core.DataMap;
using Governance.Core.Validation;
using Microsoft.Extensions.Options;

namespace Governance.Core.Requests;

/// <summary>A letter drafted from its template for staff to review; <paramref name="Template"/> is the policy file it came from.</summary>
public sealed record LetterDraft(string Outcome, string Language, string FileName, string Text, string Template);

/// <summary>A letter template refers to something the console cannot fill in; names the file and line.</summary>
public sealed class LetterTemplateException(string message) : Exception(message);

/// <summary>
/// The letter that goes with each closing outcome (completed, refused, withdrawn, closed as a duplicate), and the
/// notices sent while a request is open (an extension; a request for the information the stopped clock waits for), drafted from a
/// template in <c>policies/letters/</c> per regime, type and language, reviewed and edited by staff, then kept with the
/// request as a "response-letter" attachment (encrypted, hashed, on the timeline, audited). The console does not send
/// mail to the person: staff send the letter through their usual channel and record it here.
/// Templates are looked up from the most to the least particular: <c>{regime}/{outcome}.{type}.{lang}.txt</c>,
/// <c>{regime}/{outcome}.{lang}.txt</c>, <c>{outcome}.{type}.{lang}.txt</c>, <c>{outcome}.{lang}.txt</c>.
/// </summary>
public sealed partial class ResponseLetters(RequestWork work, RequestAttachments attachments, RegulationsCatalog regulations, IOptions<DataMapOptions> options)
{
    public const string Kind = "response-letter";

    public static readonly string[] Languages = ["en", "zh"];

    /// <summary>The placeholders a template may use.</summary>
    public static readonly string[] Placeholders = ["reference", "received_on", "type", "regime", "reason", "refusal_reason", "basis", "authority", "original", "today", "due_on"];

    /// <summary>Every outcome a letter is written for: the closing ones, and the two notices sent while a request is open.</summary>
    public static readonly string[] Outcomes = ["completed", "refused", "withdrawn", "duplicate", "extended", "information-needed"];

    /// <summary>
    /// The letter a request in this state needs: the closing outcome's, or while it is open the notice of an extension
    /// (GDPR Art. 12(3): within the first month, with the reasons) or the request for the information the clock waits
    /// for; null when none is due.
    /// </summary>
    public static string? OutcomeOf(RequestState state) => state switch
    {
        RequestState.Completed or RequestState.Restricted or RequestState.ObjectionUpheld => "completed",
        RequestState.Denied => "refused",
        RequestState.Withdrawn => "withdrawn",
        RequestState.Duplicate => "duplicate",
        RequestState.Extended => "extended",
        RequestState.ClockStopped => "information-needed",
        _ => null,
    };

    private string Folder => Path.Combine(Path.GetDirectoryName(options.Value.ResolveDirectory())!, "letters");

    /// <summary>The template file for a request, most particular first; null when none exists.</summary>
    public string? TemplateFor(string regime, string type, string outcome, string language) =>
        new[]
        {
            Path.Combine(Folder, regime, $"{outcome}.{type}.{language}.txt"),
            Path.Combine(Folder, regime, $"{outcome}.{language}.txt"),
            Path.Combine(Folder, $"{outcome}.{type}.{language}.txt"),
            Path.Combine(Folder, $"{outcome}.{language}.txt"),
        }.FirstOrDefault(File.Exists);

    public async Task<LetterDraft> DraftAsync(Guid id, string language, DateOnly today, CancellationToken ct)
    {
        if (!Languages.Contains(language))
        {
            throw ValidationException.For("letter", "language", "Choose English or Simplified Chinese.");
        }

        var r = await work.GetAsync(id, ct) ?? throw new KeyNotFoundException($"No request {id}.");
        var outcome = OutcomeOf(r.State) ?? throw ValidationException.For("letter", "request", "A letter is drafted once the request is closed, extended or waiting for the person.");
        var file = TemplateFor(r.Regime, r.Type, outcome, language)
            ?? throw ValidationException.For("letter", "language", $"There is no {outcome} letter template in this language under policies/letters.");
        var regime = regulations.Find(r.Regime);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["reference"] = r.Reference,
            ["received_on"] = r.ReceivedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["type"] = LetterWords.Type(r.Type, language),
            ["regime"] = regime?.Name ?? r.Regime,
            // The closing reason, or for a notice the reason of the step that led to it (the extension's, the stop's).
            ["reason"] = r.ClosedReason ?? r.Timeline.LastOrDefault(e => e.To == r.State.ToString() && e.From != e.To)?.Reason ?? "",
            ["refusal_reason"] = r.DenialReason is { } code ? LetterWords.Refusal(code, language) : "",
            ["basis"] = r.LegalBasis ?? "",
            ["authority"] = regime?.Authority ?? "",
            ["original"] = r.DuplicateOfReference ?? "",
            ["today"] = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["due_on"] = r.EffectiveDueOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        return new LetterDraft(outcome, language, $"{r.Reference}-{outcome}-{language}.txt", Fill(file, await File.ReadAllTextAsync(file, ct), values), Path.GetRelativePath(Path.GetDirectoryName(Folder)!, file));
    }

    /// <summary>Keeps the letter as reviewed (and perhaps edited) by staff with the request, as sent.</summary>
    public async Task<Guid> RecordSentAsync(Guid id, LetterDraft draft, string text, AuditActor actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 20_000)
        {
            throw ValidationException.For("letter", "text", "The letter is empty or longer than 20,000 characters.");
        }

        return await attachments.AddAsync(id, Kind, draft.FileName, Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")), actor, ct);
    }

    /// <summary>Fills the placeholders; one that is not known is refused with the template's file and line.</summary>
    public static string Fill(string file, string template, IReadOnlyDictionary<string, string> values)
    {
        if (Problems(template).FirstOrDefault() is { Message: not null } problem)
        {
            throw new LetterTemplateException($"{file}:{problem.Line}: {problem.Message}");
        }

        return Placeholder().Replace(template, m => values.GetValueOrDefault(m.Groups[1].Value, ""));
    }

    /// <summary>Every unknown placeholder of a template, with its line.</summary>
    public static IReadOnlyList<(int Line, string Message)> Problems(string template)
    {
        var problems = new List<(int, string)>();
        var lines = template.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (Match m in Placeholder().Matches(lines[i]))
            {
                if (!Placeholders.Contains(m.Groups[1].Value))
                {
                    problems.Add((i + 1, $"unknown placeholder '{{{{{m.Groups[1].Value}}}}}'; known are {string.Join(", ", Placeholders)}."));
                }
            }
        }

        return problems;
    }

    [GeneratedRegex(@"\{\{\s*([a-z_]+)\s*\}\}")]
    private static partial Regex Placeholder();
}

/// <summary>The words a letter uses for codes, in the letter's own language (not the reader's of the console).</summary>
public static class LetterWords
{
    public static string Type(string type, string language) => (type, language == "zh") switch
    {
        ("access", false) => "access to your personal data",
        ("access", true) => "查阅您的个人信息",
        ("portability", false) => "a copy of your data in a portable format",
        ("portability", true) => "以可携带格式获取您的个人信息副本",
        ("erasure", false) => "erasure of your personal data",
        ("erasure", true) => "删除您的个人信息",
        ("rectification", false) => "correction of your personal data",
        ("rectification", true) => "更正您的个人信息",
        ("restriction", false) => "restriction of the processing of your personal data",
        ("restriction", true) => "限制处理您的个人信息",
        ("objection", false) => "objection to the processing of your personal data",
        ("objection", true) => "反对处理您的个人信息",
        ("opt-out", false) => "opting out of the sale or sharing of your personal information",
        ("opt-out", true) => "选择退出出售或共享您的个人信息",
        ("limit-sensitive", false) => "limiting the use of your sensitive personal information",
        ("limit-sensitive", true) => "限制使用您的敏感个人信息",
        _ => type,
    };

    public static string Refusal(string code, string language) => (code, language == "zh") switch
    {
        ("unverifiable", false) => "we could not verify your identity",
        ("unverifiable", true) => "我们无法核实您的身份",
        ("not-a-subject", false) => "we do not hold personal data relating to you",
        ("not-a-subject", true) => "我们未处理与您相关的个人信息",
        ("exemption", false) => "an exemption provided by law applies",
        ("exemption", true) => "适用法律规定的豁免",
        ("manifestly-unfounded", false) => "the request is manifestly unfounded",
        ("manifestly-unfounded", true) => "该请求明显无根据",
        ("excessive", false) => "the request is excessive, in particular because of its repetitive character",
        ("excessive", true) => "该请求明显超出合理限度，尤其是重复提出",
        ("repeat-limit", false) => "this is your third request to know within 12 months, and the law requires an answer to two",
        ("repeat-limit", true) => "这是您 12 个月内第三次提出知情请求，而法律仅要求答复两次",
        ("other", false) => "of the reason set out below",
        ("other", true) => "下述理由",
        _ => code,
    };
}
