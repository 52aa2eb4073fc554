using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.DataMap;

/// <summary>
/// The values a plan binds while it runs on one connection: its inputs, the key sets its steps yield, and the
/// pseudonyms made once the person's key is known. Shared by the read-only preview and the runner.
/// </summary>
internal sealed class PlanSession(Plan plan, NpgsqlConnection connection, NpgsqlTransaction? transaction)
{
    public Dictionary<string, object?> Bound { get; } = new(plan.Inputs, StringComparer.Ordinal);

    public NpgsqlConnection Connection => connection;

    public async Task SetupAsync(CancellationToken ct)
    {
        foreach (var sql in plan.Setup)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public NpgsqlCommand Command(PlanStep step, string sql)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var name in PlanStep.ParametersOf(sql))
        {
            if (!Bound.TryGetValue(name, out var value))
            {
                throw new InvalidOperationException($"Step {step.Order} needs @{name}, which no earlier step yields.");
            }

            command.Parameters.Add(Parameter(name, value));
        }

        return command;
    }

    /// <summary>Binds a key set read by a step; once the person's keys are known, their pseudonyms too.</summary>
    /// <param name="strict">Refuse more than one person when pseudonyms are needed (an execution); a preview binds placeholders.</param>
    public void Yield(string name, Array keys, bool strict)
    {
        Bound[name] = keys;
        if (plan.PseudonymInputs.Count == 0)
        {
            return;
        }

        foreach (var input in plan.PseudonymInputs.Where(p => p.FromSet == name))
        {
            if (keys.Length > 1 && strict)
            {
                throw new InvalidOperationException($"The identity matches {keys.Length} people in store '{plan.Store}'; erase one person at a time (by user id).");
            }

            var source = keys.Length == 1 && plan.PseudonymSource is { } p ? p : Pseudonyms.Placeholder;
            var key = keys.Length == 1 ? Convert.ToString(keys.GetValue(0), CultureInfo.InvariantCulture)! : "";
            Bound[input.Name] = source.Make(plan.Map, key, input.Format);
        }
    }

    /// <summary>A plan value as a parameter: text is sent untyped so that PostgreSQL types it by the column it meets (text, jsonb, ...).</summary>
    public static NpgsqlParameter Parameter(string name, object? value) =>
        value is string text
            ? new NpgsqlParameter(name, NpgsqlDbType.Unknown) { Value = text }
            : new NpgsqlParameter(name, value ?? DBNull.Value);

    /// <summary>The keys a reader's first column yields, as an array of the column's type.</summary>
    public static async Task<(Array Keys, List<object?[]> Rows)> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync(ct);
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

        var keys = Array.CreateInstance(elementType, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            keys.SetValue(rows[i][0], i);
        }

        return (keys, rows);
    }
}
