using Npgsql;

namespace Governance.Core.DataMap;

/// <summary>What one step reads, or would change: its rows (for a change, the keys of the rows it would touch).</summary>
public sealed record StepPreview(int Order, string Collection, PlanAction Action, string Description, IReadOnlyList<object?[]> Rows)
{
    public StepRole Role { get; init; }
}

/// <summary>
/// Runs a plan's reads and the previews of its changes in one read-only transaction: what an access request
/// would return and what an erasure would touch, with no change made.
/// </summary>
public static class PlanPreview
{
    /// <param name="countOnly">Read only counts for steps that yield no key set (finding a person, sizing a request).</param>
    public static async Task<IReadOnlyList<StepPreview>> RunAsync(Plan plan, NpgsqlDataSource store, CancellationToken ct, bool countOnly = false)
    {
        var results = new List<StepPreview>();
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var session = new PlanSession(plan, connection, tx);
        // Helpers live in pg_temp and go with the rollback; the transaction is read-only from here on.
        await session.SetupAsync(ct);
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

            await using var command = session.Command(step, sql);
            var (keys, rows) = await PlanSession.ReadAsync(command, ct);
            if (step.Produces is not null)
            {
                session.Yield(step.Produces, keys, strict: false);
            }

            results.Add(new StepPreview(step.Order, step.Collection, step.Action, step.Description, rows) { Role = step.Role });
        }

        await tx.RollbackAsync(ct);
        return results;
    }

    /// <summary>A plan value as a parameter (text untyped, so that PostgreSQL types it by the column it meets).</summary>
    public static NpgsqlParameter Parameter(string name, object? value) => PlanSession.Parameter(name, value);
}
