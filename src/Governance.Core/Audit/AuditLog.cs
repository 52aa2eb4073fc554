using Dapper;
using Governance.Core.Database;
using Npgsql;

namespace Governance.Core.Audit;

/// <summary>
/// Appends audit entries. Use cases call <see cref="AppendAsync(NpgsqlConnection, NpgsqlTransaction?, AuditRecord, CancellationToken)"/>
/// inside the transaction of the change they record, so that the change and its entry commit or roll back together.
/// The time of an entry is the database server's (the application role may not name it): no clock of the
/// application can backdate or postdate what it records.
/// </summary>
public sealed class AuditLog(GovernanceDatabase database, AuditSealSignal signal)
{
    public static string ActorTypeCode(AuditActorType type) => type switch
    {
        AuditActorType.User => "user",
        AuditActorType.Job => "job",
        _ => "system",
    };

    public static string OutcomeCode(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Success => "success",
        AuditOutcome.Failure => "failure",
        _ => "denied",
    };

    /// <summary>Appends in the caller's transaction. Call <see cref="Committed"/> after the commit to seal promptly.</summary>
    public async Task<long> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, AuditRecord record, CancellationToken ct)
    {
        record.Validate();
        const string sql = """
            insert into gov.audit_log
                (actor_type, actor_id, actor_roles, action, target_type, target_id, request_id, outcome, client_address, details)
            values
                (@actorType, @actorId, @actorRoles, @action, @targetType, @targetId, @requestId, @outcome, @clientAddress, @details::jsonb)
            returning id
            """;
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, new
        {
            actorType = ActorTypeCode(record.Actor.Type),
            actorId = record.Actor.Id,
            actorRoles = record.Actor.Roles.Count == 0 ? null : string.Join(',', record.Actor.Roles),
            action = record.Action,
            targetType = record.TargetType,
            targetId = record.TargetId,
            requestId = record.RequestId,
            outcome = OutcomeCode(record.Outcome),
            clientAddress = record.Actor.ClientAddress,
            details = record.DetailsJson(),
        }, transaction, cancellationToken: ct));
    }

    /// <summary>Appends in a transaction of its own (for events that change nothing else, such as a sign-in or a read).</summary>
    public async Task<long> AppendAsync(AuditRecord record, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var id = await AppendAsync(connection, null, record, ct);
        Committed();
        return id;
    }

    /// <summary>Tells the sealer that entries were committed.</summary>
    public void Committed() => signal.Notify();
}
