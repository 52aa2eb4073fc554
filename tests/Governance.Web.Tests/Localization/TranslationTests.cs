using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Governance.Tests.Support;
using Governance.Web.Localization;

namespace Governance.Web.Tests.Localization;

/// <summary>
/// Every text the console's code shows through <c>L["…"]</c>, <c>Text.Get</c>, <c>Text.Format</c> or <c>Text.Key</c>
/// has its Simplified Chinese in <c>Text.zh-CN.resx</c>, with the same placeholders; and the file holds nothing the
/// code no longer uses. The texts are read from the source files, not from the resources under test.
/// </summary>
public sealed partial class TranslationTests
{
    [GeneratedRegex("""(?:\bL\[|\bText\.(?:Get|Format|Key)\()\s*"((?:[^"\\]|\\.)*)"(?<args>[^\]\)]*)""")]
    private static partial Regex Use();

    [GeneratedRegex(@"\{(\d+)(?:[:,][^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"[\p{IsCJKUnifiedIdeographs}\p{IsCJKSymbolsandPunctuation}\p{IsHalfwidthandFullwidthForms}]")]
    private static partial Regex Chinese();

    private static string WebSource() => RepositoryFolders.Find(Path.Combine("src", "Governance.Web"));

    /// <summary>Every text in the code, with where it is used first.</summary>
    private static Dictionary<string, string> UsedTexts()
    {
        var used = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(WebSource(), "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match m in Use().Matches(lines[i]))
                {
                    var text = Regex.Unescape(m.Groups[1].Value);
                    used.TryAdd(text, $"{Path.GetRelativePath(WebSource(), file)}:{i + 1}");
                }
            }
        }

        return used;
    }

    private static Dictionary<string, string> Chinese(string culture)
    {
        var file = Path.Combine(WebSource(), "Localization", $"Text.{culture}.resx");
        return XDocument.Load(file).Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!, StringComparer.Ordinal);
    }

    [Fact]
    public void EveryTextInTheCode_HasItsChinese()
    {
        var used = UsedTexts();
        var zh = Chinese("zh-CN");

        Assert.True(used.Count > 100, $"only {used.Count} texts found: is the pattern still right?");
        var missing = used.Where(u => !zh.ContainsKey(u.Key)).Select(u => $"{u.Value}: \"{u.Key}\"").Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} texts have no Chinese:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void EveryChineseText_IsUsed_IsChinese_AndKeepsThePlaceholders()
    {
        var used = UsedTexts();
        var problems = new List<string>();
        foreach (var (english, chinese) in Chinese("zh-CN"))
        {
            if (!used.ContainsKey(english))
            {
                problems.Add($"not used any more: \"{english}\"");
            }

            if (!Chinese().IsMatch(chinese))
            {
                problems.Add($"not in Chinese: \"{english}\" = \"{chinese}\"");
            }

            var want = Placeholder().Matches(english).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
            var have = Placeholder().Matches(chinese).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
            if (!want.SequenceEqual(have))
            {
                problems.Add($"placeholders differ: \"{english}\" = \"{chinese}\"");
            }
        }

        // Resource names are compiled case-insensitively: "Overdue" and "overdue" would be one text, and one of them wrong.
        problems.AddRange(used.Keys.GroupBy(k => k, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"texts differ only in case: {string.Join(", ", g.Select(k => $"\"{k}\""))}"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void UseCaseMessagesTranslatedForForms_AreStillTheUseCasesWords()
    {
        var core = string.Join("\n", new[] { "Governance.Core", "Governance.Jobs" }
            .SelectMany(p => Directory.EnumerateFiles(RepositoryFolders.Find(Path.Combine("src", p)), "*.cs", SearchOption.AllDirectories)).Select(File.ReadAllText));

        var gone = CoreMessages.All.Where(m => !core.Contains($"\"{m}\"", StringComparison.Ordinal)).ToList();
        // A message with values is an interpolated string whose words are the template's, a hole where each {n} is.
        gone.AddRange(CoreMessages.Templates.Where(t => !System.Text.RegularExpressions.Regex.IsMatch(core,
            "\\$\"" + string.Join("\\{[^}\"]+\\}", System.Text.RegularExpressions.Regex.Split(t, "\\{[0-9]+\\}").Select(System.Text.RegularExpressions.Regex.Escape)) + "\"")));

        Assert.True(gone.Count == 0, "no longer a message of the use cases:\n" + string.Join("\n", gone));
    }

    [Fact]
    public void TextGet_InChinese_TranslatesAMessageThatCarriesValues_KeepingTheValues()
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
            // The Chinese template, written out here from the resource file, with the values the use case wrote.
            Assert.Equal(string.Format(CultureInfo.InvariantCulture, Chinese("zh-CN")["At most {0} characters."], "2,000"), Text.Get("At most 2,000 characters."));
            Assert.Equal(string.Format(CultureInfo.InvariantCulture, Chinese("zh-CN")["The rule '{0}' was not found in {1}: it changed since the page was opened."], "chat-default", "eu.yaml"),
                Text.Get("The rule 'chat-default' was not found in eu.yaml: it changed since the page was opened."));
            Assert.Equal("At most 2,000 characters, or so", Text.Get("At most 2,000 characters, or so"));
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
            Assert.Equal("At most 2,000 characters.", Text.Get("At most 2,000 characters."));
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void TextGet_InChinese_IsTheTranslation_AndUnknownTextStaysEnglish()
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
            Assert.Equal(Chinese("zh-CN")["In review"], Text.Get("In review"));
            Assert.Equal("no such text here", Text.Get("no such text here"));
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
            Assert.Equal("In review", Text.Get("In review"));
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
