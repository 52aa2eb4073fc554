using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.DataMap;

/// <summary>What one step reads, or would change: its rows (for a change, the keys of the rows it would touch).</summary>
public sealed record StepPreview(int Order, string Collection, PlanAction Action, string Description, IReadOnlyList<object?[]> Rows);

/// <summary>
/// Runs a plan's reads and the previews of its changes in one read-only transaction: what an access request
/// would return and what an erasure would touch, with no change made.
/// </summary>
public static class PlanPreview
{
    /// <param name="countOnly">Read only counts for steps that yield no key set (finding a person, sizing a request).</param>
    public static async Task<IReadOnlyList<StepPreview>> RunAsync(Plan plan, NpgsqlDataSource store, CancellationToken ct, bool countOnly = false)
    {
        var bound = new Dictionary<string, object?>(plan.Inputs, StringComparer.Ordinal);
        var results = new List<StepPreview>();
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("set transaction read only", connection, tx))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        foreach (var step in plan.Steps)
        {
            var sql = step.Action is PlanAction.Select or PlanAction.Files ? step.Sql : step.PreviewSql!;
            if (countOnly && step.Produces is null)
            {
                sql = $"select count(*) from ({sql}) counted";
            }
            await using var command = new NpgsqlCommand(sql, connection, tx);
            foreach (var name in step.Needs)
            {
                if (!bound.TryGetValue(name, out var value))
                {
                    throw new InvalidOperationException($"Step {step.Order} needs @{name}, which no earlier step yields.");
                }

                command.Parameters.Add(Parameter(name, value));
            }

            var rows = new List<object?[]>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                var elementType = reader.FieldCount > 0 ? reader.GetFieldType(0) : typeof(object);
                while (await reader.ReadAsync(ct))
                {
                    var row = new object?[reader.FieldCount];
                    for (var i = 0; i < row.Length; i++)
                    {
                        row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    }

                    rows.Add(row);
                }

                if (step.Produces is not null)
                {
                    var keys = Array.CreateInstance(elementType, rows.Count);
                    for (var i = 0; i < rows.Count; i++)
                    {
                        keys.SetValue(rows[i][0], i);
                    }

                    bound[step.Produces] = keys;
                }
            }

            results.Add(new StepPreview(step.Order, step.Collection, step.Action, step.Description, rows));
        }

        await tx.RollbackAsync(ct);
        return results;
    }

    /// <summary>A plan value as a parameter: text is sent untyped so that PostgreSQL types it by the column it meets (text, jsonb, ...).</summary>
    public static NpgsqlParameter Parameter(string name, object? value) =>
        value is string text
            ? new NpgsqlParameter(name, NpgsqlDbType.Unknown) { Value = text }
            : new NpgsqlParameter(name, value ?? DBNull.Value);
}
