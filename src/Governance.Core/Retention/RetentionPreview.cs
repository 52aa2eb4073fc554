using Dapper;
using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Governance.Core.Holds;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Governance.Core.Retention;

/// <summary>The retention rules in force, from <c>policies/retention/</c> beside the data maps, read against those maps.</summary>
public sealed class RetentionCatalog(IOptions<DataMapOptions> options, DataMapCatalog maps)
{
    /// <summary>The folder of the retention files.</summary>
    public string Directory => Path.Combine(Path.GetDirectoryName(options.Value.ResolveDirectory())!, "retention");

    /// <summary>Reads the rules afresh (the files are the source of truth); no rule when any file has a problem.</summary>
    /// <param name="replacing">Texts to read instead of the files of those names (a change under review).</param>
    public RetentionPolicy Load(IReadOnlyCollection<string>? regions = null, IReadOnlyDictionary<string, string>? replacing = null)
    {
        var set = maps.Load();
        return set.Valid
            ? RetentionPolicyLoader.LoadDirectory(Directory, set.Maps, regions, replacing)
            : new RetentionPolicy([], [new DataMapProblem(new SourceLocation(options.Value.ResolveDirectory(), 0, 0), "The data maps do not validate: no retention rule is in force until they do.")]);
    }

    public DataMapDocument? Map(string name) => maps.Load().Maps.FirstOrDefault(m => m.Name == name);

    /// <summary>The key of the pseudonyms an anonymise rule writes (the same as erasure's: <c>DataMap:PseudonymKey</c>).</summary>
    public string? PseudonymKey => options.Value.PseudonymKey;
}

/// <summary>What a rule's next run would do in one store: rows past the age in scope, how many a hold keeps, and a sample (keys and dates, never content).</summary>
public sealed record RetentionPreviewResult(
    string Rule,
    string Store,
    string Region,
    string Collection,
    DateTimeOffset Cutoff,
    long Due,
    long Held,
    IReadOnlyList<(string Key, DateTimeOffset At)> Sample,
    IReadOnlyList<string> GoWithThem,
    string? Problem)
{
    /// <summary>Rows the run would remove: due and not held.</summary>
    public long Removed => Due - Held;
}

/// <summary>
/// Previews retention: for one rule or all, per store where it applies, what its next run would remove, counted in one
/// read-only snapshot of the store, with what holds will keep and the collections whose rows go with them. Nothing is
/// changed; a store that cannot be read is named with the problem instead of its counts.
/// </summary>
public sealed class RetentionPreview(RetentionCatalog catalog, ChatStoreRegistry stores, LegalHolds holds, TimeProvider time, Database.GovernanceDatabase? governance = null)
{
    public const int SampleSize = 10;

    public async Task<IReadOnlyList<RetentionPreviewResult>> RunAsync(string? ruleName, CancellationToken ct)
    {
        var policy = catalog.Load(stores.All.Select(s => s.Region).Distinct(StringComparer.Ordinal).ToList());
        if (!policy.Valid)
        {
            throw new Validation.ValidationException("retention", new Dictionary<string, string[]> { ["policies"] = policy.Problems.Select(p => p.ToString()).ToArray() });
        }

        var rules = ruleName is null ? policy.Rules : policy.Rules.Where(r => r.Name == ruleName).ToList();
        if (ruleName is not null && rules.Count == 0)
        {
            throw Validation.ValidationException.For("retention", "rule", $"No retention rule is named '{ruleName}'.");
        }

        var active = (await holds.ListAsync(includeReleased: false, ct)).Where(h => h.Active).ToList();
        var now = time.GetUtcNow();
        var results = new List<RetentionPreviewResult>();
        foreach (var rule in rules)
        {
            if (rule.Map == ConsoleRecords.Map)
            {
                var cutoff = rule.Age.CutoffFrom(now);
                var (due, held) = governance is null ? (0L, 0L) : await ConsoleRecords.CountAsync(governance, rule.Collection, cutoff, active, ct);
                results.Add(new RetentionPreviewResult(rule.Name, ConsoleRecords.Map, ConsoleRecords.Map, rule.Collection, cutoff, due, held, [], [],
                    governance is null ? "the console's records are counted by the console only" : null));
                continue;
            }

            var map = catalog.Map(rule.Map)!;
            foreach (var store in stores.All.Where(s => map.Stores.Contains(s.Name) && rule.Covers(s.Name, s.Region)).OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                results.Add(await PreviewAsync(rule, map, store, policy.Rules, active, rule.Age.CutoffFrom(now), ct));
            }
        }

        return results;
    }

    private static async Task<RetentionPreviewResult> PreviewAsync(RetentionRule rule, DataMapDocument map, ChatStore store, IReadOnlyList<RetentionRule> rules,
        IReadOnlyList<LegalHold> active, DateTimeOffset cutoff, CancellationToken ct)
    {
        var goWith = rule.Action == RetentionAction.Anonymise ? [] : GoWithThem(map, rule.Collection);
        try
        {
            await using var connection = await store.DataSource.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            await connection.ExecuteAsync(new CommandDefinition("set transaction read only", transaction: tx, cancellationToken: ct));
            var scope = RetentionScope.For(rule, map, store.Name, store.Region, rules, active, cutoff, await DatedTypeAsync(connection, tx, map.Find(rule.Collection)!, ct));
            long due, held;
            await using (var count = new NpgsqlCommand($"select count(*), count(*) filter (where {scope.Held}) from {scope.Table} t where {scope.Governed}", connection, tx) { CommandTimeout = 0 })
            {
                count.Parameters.AddRange(scope.NewParameters());
                await using var reader = await count.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                (due, held) = (reader.GetInt64(0), reader.GetInt64(1));
            }

            var sample = new List<(string, DateTimeOffset)>();
            await using (var read = new NpgsqlCommand($"select {scope.Key}::text, {scope.Dated} from {scope.Table} t where {scope.Governed} and not {scope.Held} order by {scope.Dated}, {scope.Key} limit {SampleSize}", connection, tx))
            {
                read.Parameters.AddRange(scope.NewParameters());
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    sample.Add((reader.GetString(0), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero)));
                }
            }

            await tx.RollbackAsync(ct);
            return new RetentionPreviewResult(rule.Name, store.Name, store.Region, rule.Collection, cutoff, due, held, sample, goWith, null);
        }
        catch (NpgsqlException ex)
        {
            var problem = ex is PostgresException pg ? $"database error {pg.SqlState}" : "store unreachable";
            return new RetentionPreviewResult(rule.Name, store.Name, store.Region, rule.Collection, cutoff, 0, 0, [], goWith, problem);
        }
    }

    /// <summary>The collections whose rows go with the purged rows (their dependants, and files), from the purge plan.</summary>
    internal static IReadOnlyList<string> GoWithThem(DataMapDocument map, string collection)
    {
        var plan = new DataMapPlanner(map, map.Stores.FirstOrDefault() ?? "", null).Purge(collection);
        return plan.Steps.Where(s => s.Collection != collection && s.Action is PlanAction.Delete or PlanAction.Update or PlanAction.Files)
            .Select(s => s.Action == PlanAction.Files ? $"{s.Collection} files" : s.Action == PlanAction.Update ? $"{s.Collection} (unlinked)" : s.Collection)
            .Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The date column's type in the store (timestamps compare as they are; epoch numbers by their unit).</summary>
    internal static async Task<string?> DatedTypeAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Collection collection, CancellationToken ct)
    {
        var (schema, table) = collection.QualifiedTable;
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
            select data_type from information_schema.columns where table_schema = @schema and table_name = @table and column_name = @column
            """, new { schema, table, column = collection.DatedBy }, tx, cancellationToken: ct));
    }
}
