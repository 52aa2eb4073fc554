using Governance.Core.DataMap;
using Governance.Core.Requests;

namespace Governance.Core.Retention;

/// <summary>What one kind of policy in a folder came to: how many it holds, its problems.</summary>
public sealed record PolicyKindResult(string Kind, string Path, string Summary, IReadOnlyList<DataMapProblem> Problems);

/// <summary>
/// Validates everything under a policies folder by kind, each with its own reader: <c>datamap/</c> (data maps),
/// <c>regulations.yaml</c> (legal clocks), <c>retention/</c> (retention rules, read against the data maps). A folder
/// holding data maps itself (no <c>datamap/</c> inside) is read as a folder of data maps only.
/// </summary>
public static class PolicyFolder
{
    public static (IReadOnlyList<PolicyKindResult> Kinds, DataMapSet Maps) Validate(string folder, IReadOnlyCollection<string>? regions = null)
    {
        var mapsFolder = Path.Combine(folder, "datamap");
        if (!Directory.Exists(mapsFolder))
        {
            var only = DataMapLoader.LoadDirectory(folder);
            return ([new PolicyKindResult("data maps", folder, MapsSummary(only), only.Problems)], only);
        }

        var kinds = new List<PolicyKindResult>();
        var maps = DataMapLoader.LoadDirectory(mapsFolder);
        kinds.Add(new PolicyKindResult("data maps", mapsFolder, MapsSummary(maps), maps.Problems));

        var regulations = Path.Combine(folder, "regulations.yaml");
        if (File.Exists(regulations))
        {
            var (regimes, problems) = RegulationsLoader.Load(Display(regulations), File.ReadAllText(regulations));
            kinds.Add(new PolicyKindResult("regulations", regulations, $"{regimes.Count} regimes ({string.Join(", ", regimes.Select(r => r.Code))})", problems));
            kinds.Add(Letters(Path.Combine(folder, "letters"), regimes));
        }
        else
        {
            kinds.Add(new PolicyKindResult("regulations", regulations, "missing",
                [new DataMapProblem(new SourceLocation(Display(regulations), 0, 0), "No regulations.yaml: the legal clocks of requests come from it.")]));
        }

        var retentionFolder = Path.Combine(folder, "retention");
        if (Directory.Exists(retentionFolder))
        {
            var retention = maps.Valid
                ? RetentionPolicyLoader.LoadDirectory(retentionFolder, maps.Maps, regions)
                : new RetentionPolicy([], [new DataMapProblem(new SourceLocation(Display(retentionFolder), 0, 0), "Not checked: the data maps it names do not validate.")]);
            kinds.Add(new PolicyKindResult("retention", retentionFolder,
                $"{retention.Rules.Count} rules ({string.Join(", ", retention.Rules.GroupBy(r => r.Collection).Select(g => $"{g.Key}: {g.Count()}"))})", retention.Problems));
        }

        return (kinds, maps);
    }

    /// <summary>Every regime has a letter for every closing outcome in every language, and every template's placeholders are known.</summary>
    private static PolicyKindResult Letters(string folder, IReadOnlyList<Regime> regimes)
    {
        var problems = new List<DataMapProblem>();
        var outcomes = ResponseLetters.Outcomes;
        foreach (var regime in regimes)
        {
            foreach (var outcome in outcomes)
            {
                foreach (var language in ResponseLetters.Languages)
                {
                    if (!new[] { Path.Combine(folder, regime.Code, $"{outcome}.{language}.txt"), Path.Combine(folder, $"{outcome}.{language}.txt") }.Any(File.Exists))
                    {
                        problems.Add(new DataMapProblem(new SourceLocation(Display(folder), 0, 0), $"No {outcome} letter in '{language}' for regime '{regime.Code}' ({regime.Code}/{outcome}.{language}.txt or {outcome}.{language}.txt)."));
                    }
                }
            }
        }

        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.txt", SearchOption.AllDirectories) : [];
        foreach (var file in files)
        {
            problems.AddRange(ResponseLetters.Problems(File.ReadAllText(file)).Select(p => new DataMapProblem(new SourceLocation(Display(file), p.Line, 1), p.Message)));
        }

        return new PolicyKindResult("letters", folder, $"{files.Length} letter templates", problems);
    }

    private static string MapsSummary(DataMapSet set) =>
        $"{set.Maps.Count} data maps ({string.Join(", ", set.Maps.Select(m => $"{m.Name}: {m.Collections.Count} collections"))})";

    private static string Display(string file)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), file);
        return relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(file) : relative;
    }
}
