using System.Globalization;
using Dapper;
using Npgsql;

namespace Governance.Core.DataMap;

/// <summary>What one step of an executed plan did.</summary>
/// <param name="Rows">Rows read (reads), changed (updates, deletes, rewrites) or files listed.</param>
/// <param name="NotJson">Rows a rewrite left alone because their text is not JSON.</param>
public sealed record StepResult(int Order, string Collection, PlanAction Action, string Description, long Rows, long NotJson, IReadOnlyList<(string Path, string? Region)> Files);

/// <summary>
/// Executes a plan in one transaction on one store: reads bind their key sets, batched deletes run until nothing
/// is left, rewrites change values in .NET and write them back by key. Refuses a plan whose pseudonyms are
/// placeholders. (The erasure job adds committed batches, checkpoints and hold checks around the same steps.)
/// </summary>
public static class PlanRunner
{
    public static async Task<IReadOnlyList<StepResult>> ExecuteAsync(Plan plan, NpgsqlDataSource store, CancellationToken ct)
    {
        if (!plan.Executable)
        {
            throw new InvalidOperationException("This plan's pseudonyms are placeholders (DataMap:PseudonymKey is not set or too short); it cannot be executed.");
        }

        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var session = new PlanSession(plan, connection, tx);
        await session.SetupAsync(ct);
        var results = new List<StepResult>();
        foreach (var step in plan.Steps)
        {
            results.Add(await RunStepAsync(session, tx, step, ct));
        }

        await tx.CommitAsync(ct);
        return results;
    }

    private static async Task<StepResult> RunStepAsync(PlanSession session, NpgsqlTransaction tx, PlanStep step, CancellationToken ct)
    {
        switch (step.Action)
        {
            case PlanAction.Select or PlanAction.Files:
            {
                await using var command = session.Command(step, step.Sql);
                var (keys, rows) = await PlanSession.ReadAsync(command, ct);
                if (step.Produces is not null)
                {
                    session.Yield(step.Produces, keys, strict: true);
                }

                var files = step.Action == PlanAction.Files
                    ? rows.Select(r => (Convert.ToString(r[0], CultureInfo.InvariantCulture)!, r.Length > 1 ? r[1] as string : null)).ToList()
                    : [];
                return new StepResult(step.Order, step.Collection, step.Action, step.Description, rows.Count, 0, files);
            }

            case PlanAction.Rewrite:
            {
                var (changed, notJson) = await RewriteAsync(session, tx, step, ct);
                return new StepResult(step.Order, step.Collection, step.Action, step.Description, changed, notJson, []);
            }

            default:
            {
                long total = 0;
                var batched = step.Needs.Contains(DataMapPlanner.BatchInput);
                var batch = batched ? Convert.ToInt64(session.Bound[DataMapPlanner.BatchInput], CultureInfo.InvariantCulture) : 0;
                while (true)
                {
                    await using var command = session.Command(step, step.Sql);
                    var n = await command.ExecuteNonQueryAsync(ct);
                    total += n;
                    if (!batched || n < batch)
                    {
                        break;
                    }
                }

                return new StepResult(step.Order, step.Collection, step.Action, step.Description, total, 0, []);
            }
        }
    }

    /// <summary>Reads the rows, edits each value in .NET, and writes back the changed ones by key, typed by the catalog.</summary>
    private static async Task<(long Changed, long NotJson)> RewriteAsync(PlanSession session, NpgsqlTransaction tx, PlanStep step, CancellationToken ct)
    {
        await using var command = session.Command(step, step.Sql);
        var (_, rows) = await PlanSession.ReadAsync(command, ct);
        var (changed, notJson) = Rewritten(step.Rewrite!, rows, session.Bound);
        return (await WriteBackAsync(session.Connection, tx, step.Rewrite!, changed, ct), notJson);
    }

    /// <summary>
    /// The rows (read as the rewrite step's SQL reads them: key columns, the column, discriminators) whose value the
    /// edits change, with the new value; and how many were left alone because they are not JSON.
    /// </summary>
    internal static (List<(object?[] Key, string Value)> Changed, long NotJson) Rewritten(RewriteSpec spec, IEnumerable<object?[]> rows, IReadOnlyDictionary<string, object?> bound)
    {
        var keyCount = spec.Key.Count;
        var changed = new List<(object?[] Key, string Value)>();
        long notJson = 0;
        var discriminators = spec.Discriminators.Select((d, i) => (d, i)).ToDictionary(x => x.d, x => keyCount + 1 + x.i, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var text = Convert.ToString(row[keyCount], CultureInfo.InvariantCulture)!;
            string Column(string name) => name == spec.Column ? text : Convert.ToString(row[discriminators[name]], CultureInfo.InvariantCulture) ?? "";
            var (value, outcome) = RowRewriter.Apply(text, spec.Edits, Column, bound);
            if (outcome == JsonEditOutcome.NotJson)
            {
                notJson++;
            }
            else if (outcome == JsonEditOutcome.Changed && value != text)
            {
                changed.Add((row[..keyCount], value));
            }
        }

        return (changed, notJson);
    }

    /// <summary>Writes rewritten values back by key, each typed by the catalog; returns the rows written.</summary>
    internal static async Task<int> WriteBackAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, RewriteSpec spec, IReadOnlyList<(object?[] Key, string Value)> changed, CancellationToken ct)
    {
        if (changed.Count == 0)
        {
            return 0;
        }

        var keyCount = spec.Key.Count;
        var table = spec.Table;
        var types = (await connection.QueryAsync<(string Name, string Type)>(new CommandDefinition("""
            select a.attname, format_type(a.atttypid, a.atttypmod)
            from pg_attribute a where a.attrelid = @table::regclass and a.attname = any(@columns) and not a.attisdropped
            """, new { table, columns = spec.Key.Append(spec.Column).ToArray() }, tx, cancellationToken: ct))).ToDictionary(t => t.Name, t => t.Type, StringComparer.Ordinal);

        var unnest = string.Join(", ", Enumerable.Range(0, keyCount).Select(i => $"@k{i}::text[]").Append("@v::text[]"));
        var names = string.Join(", ", Enumerable.Range(0, keyCount).Select(i => $"k{i}").Append("v"));
        var match = string.Join(" and ", spec.Key.Select((k, i) => $"t.{DataMapPlanner.Q(k)} = x.k{i}::{types[k]}"));
        await using var update = new NpgsqlCommand(
            $"update {table} t set {DataMapPlanner.Q(spec.Column)} = x.v::{types[spec.Column]} from unnest({unnest}) x({names}) where {match}", connection, tx);
        for (var i = 0; i < keyCount; i++)
        {
            update.Parameters.AddWithValue($"k{i}", changed.Select(c => Convert.ToString(c.Key[i], CultureInfo.InvariantCulture)).ToArray());
        }

        update.Parameters.AddWithValue("v", changed.Select(c => c.Value).ToArray());
        return await update.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The edits of a rewrite applied to one value: JSON changes in one pass, then id replacements in text.</summary>
public static class RowRewriter
{
    public static (string Value, JsonEditOutcome Outcome) Apply(string text, IReadOnlyList<RowEdit> edits, Func<string, string> column, IReadOnlyDictionary<string, object?> bound)
    {
        bool Holds(Condition? when)
        {
            if (when is null)
            {
                return true;
            }

            var value = when.JsonPath is null ? column(when.Column) : JsonTextEditor.ValueAt(column(when.Column), when.JsonPath);
            return value is not null && when.Values.Contains(value);
        }

        var json = edits.OfType<JsonRowEdit>().Where(e => Holds(e.When)).Select(e => new JsonChange(e.Path,
            e.ValueName is null ? null : (string?)bound[e.ValueName],
            e.OnlySet is null ? null : Texts(bound[e.OnlySet]))).ToList();
        var value = text;
        var outcome = JsonEditOutcome.Unchanged;
        if (edits.OfType<JsonRowEdit>().Any())
        {
            if (json.Count > 0)
            {
                (value, outcome) = JsonTextEditor.Apply(value, json);
            }
            else if (!LooksLikeJson(value))
            {
                outcome = JsonEditOutcome.NotJson;
            }
        }

        foreach (var p in edits.OfType<PatternRowEdit>().Where(e => Holds(e.When)))
        {
            var replaced = IdPatterns.Replace(p.Pattern, value, Texts(bound[p.Set]), (string)bound[p.ValueName]!);
            if (replaced != value)
            {
                value = replaced;
                outcome = JsonEditOutcome.Changed;
            }
        }

        return (value, outcome);
    }

    private static bool LooksLikeJson(string text)
    {
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(text);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static HashSet<string> Texts(object? set) =>
        set is Array a ? a.Cast<object?>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!).ToHashSet(StringComparer.Ordinal) : [];
}
