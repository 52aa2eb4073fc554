using Governance.Core.DataMap;
using Governance.Core.DataMap.Discovery;
using Governance.Core.Tests.Demo;
using Governance.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Governance.Core.Tests.DataMap;

/// <summary>
/// Discovery measured against the hand-written maps of every fixture schema: the share of personal columns and of
/// references to the person that the draft finds (recall), and the share of what it proposes that is right
/// (precision). Goals: personal columns 90%, references 80%, precision 70%. The figures are printed.
/// </summary>
public sealed class DiscoveryFiguresTests(SeededStores seeded, ITestOutputHelper output) : IClassFixture<SeededStores>
{
    [Fact]
    public async Task Draft_OnTheReferenceStore_MeetsTheGoals() =>
        await MeasureAsync("reference", seeded.Registry.Get("eu").DataSource, Assert.Single(DataMapLoader.LoadDirectory(DataMapLoaderTests.PoliciesFolder()).Maps));

    [Fact]
    public async Task Draft_OnTheTextIdSchema_MeetsTheGoals()
    {
        await using var db = await TestPostgres.ScratchAsync("disc_other", GeneralityTests.Schema);
        var problems = new List<DataMapProblem>();
        await MeasureAsync("text-ids", db.Store, DataMapLoader.Load("other.yaml", GeneralityTests.Map, problems)!);
    }

    [Theory]
    [InlineData("teamchat")]
    [InlineData("federated")]
    public async Task Draft_OnAFixtureSchema_MeetsTheGoals(string fixture)
    {
        await using var fx = await FixtureStore.CreateAsync(fixture);
        await MeasureAsync(fixture, fx.Store, fx.Map);
    }

    private async Task MeasureAsync(string label, NpgsqlDataSource store, DataMapDocument truth)
    {
        var draftText = await DataMapDiscovery.DraftAsync(store, truth.Stores[0], "public", CancellationToken.None);
        var problems = new List<DataMapProblem>();
        var draft = DataMapLoader.Load("draft.yaml", draftText, problems);
        Assert.True(problems.Count == 0, $"the draft must load:\n{string.Join("\n", problems)}\n{draftText}");
        Assert.Empty(await LiveSchemaCheck.CheckAsync(draft!, store, truth.Stores[0], CancellationToken.None));

        var (personalTruth, refsTruth) = (Personal(truth), References(truth));
        var (personalFound, refsFound) = (Personal(draft!), References(draft!));
        var personalRecall = Share(personalTruth.Intersect(personalFound).Count(), personalTruth.Count);
        var refsRecall = Share(refsTruth.Intersect(refsFound).Count(), refsTruth.Count);
        var precision = Share(personalFound.Intersect(personalTruth).Count() + refsFound.Intersect(refsTruth).Count(), personalFound.Count + refsFound.Count);
        output.WriteLine($"{label}: personal columns {personalTruth.Intersect(personalFound).Count()}/{personalTruth.Count} = {personalRecall:P0}; " +
            $"references to the person {refsTruth.Intersect(refsFound).Count()}/{refsTruth.Count} = {refsRecall:P0}; precision {precision:P0}");
        output.WriteLine($"  missed: {string.Join(", ", personalTruth.Except(personalFound).Concat(refsTruth.Except(refsFound).Select(r => "ref " + r)))}");
        output.WriteLine($"  extra: {string.Join(", ", personalFound.Except(personalTruth).Concat(refsFound.Except(refsTruth).Select(r => "ref " + r)))}");

        Assert.True(personalRecall >= 0.9, $"{label}: personal columns found {personalRecall:P0} (goal 90%)");
        Assert.True(refsRecall >= 0.8, $"{label}: references found {refsRecall:P0} (goal 80%)");
        Assert.True(precision >= 0.7, $"{label}: precision {precision:P0} (goal 70%)");
    }

    private static double Share(int part, int whole) => whole == 0 ? 1 : part / (double)whole;

    private static string Subject(DataMapDocument map) =>
        (map.Collections.FirstOrDefault(c => c.Subject) ?? map.Find(map.Identities.First(i => i.Kind == IdentityKind.UserId).Collection)!).Name;

    /// <summary>Personal columns: fields (whole, or the column holding JSON keys), identity columns, and columns that point at the person.</summary>
    private static HashSet<string> Personal(DataMapDocument map)
    {
        var subject = Subject(map);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in map.Collections)
        {
            set.UnionWith(c.Fields.Select(f => $"{c.QualifiedTable.Table}.{f.Column}"));
            set.UnionWith(c.References.Where(r => r.To == subject && r.Relation != Relation.Link).SelectMany(r => r.Columns).Select(col => $"{c.QualifiedTable.Table}.{col}"));
        }

        set.UnionWith(map.Identities.Where(i => i.Kind != IdentityKind.UserId).Select(i => $"{map.Find(i.Collection)!.QualifiedTable.Table}.{i.Column}"));
        return set;
    }

    /// <summary>References to the person, by table, column and JSON path.</summary>
    private static HashSet<string> References(DataMapDocument map)
    {
        var subject = Subject(map);
        return map.Collections.SelectMany(c => c.References.Where(r => r.To == subject && c.Name != subject)
            .Select(r => $"{c.QualifiedTable.Table}.{string.Join("+", r.Columns)}{r.JsonPath}")).ToHashSet(StringComparer.Ordinal);
    }
}
