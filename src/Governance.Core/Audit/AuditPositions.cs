using System.Globalization;
using Dapper;
using Governance.Core.Database;

namespace Governance.Core.Audit;

/// <summary>Turns a chain position or a date given on the command line into a chain position.</summary>
public static class AuditPositions
{
    public static async Task<long?> ResolveAsync(GovernanceDatabase database, string? value, string option, bool isEnd, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return position >= 1 ? position : throw new ArgumentException($"{option} must be a position of 1 or more, or a date yyyy-MM-dd.", option);
        }

        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            throw new ArgumentException($"{option} must be a chain position or a date yyyy-MM-dd (got '{value}').", option);
        }

        var at = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        await using var connection = await database.OpenAsync(ct);
        var sql = isEnd
            ? "select coalesce(max(c.seq), 0) from gov.audit_chain c join gov.audit_log e on e.id = c.entry_id where e.occurred_at < @at"
            : "select coalesce(min(c.seq), (select coalesce(max(seq), 0) + 1 from gov.audit_chain)) from gov.audit_chain c join gov.audit_log e on e.id = c.entry_id where e.occurred_at >= @at";
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, new { at = isEnd ? at.AddDays(1) : at }, cancellationToken: ct));
    }
}
