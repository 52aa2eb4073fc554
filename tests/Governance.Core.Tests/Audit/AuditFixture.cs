using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.Audit;

/// <summary>A migrated governance database per test, with the audit services wired to the application role.</summary>
public sealed class AuditWorld : IAsyncDisposable
{
    private AuditWorld(string admin, string app, TimeProvider time)
    {
        Admin = admin;
        Database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
        Log = new AuditLog(Database, new AuditSealSignal());
        Sealer = new AuditSealer(Database);
        Verifier = new AuditVerifier(Database);
        Alerts = new AlertStore(Database, Log);
    }

    public string Admin { get; }

    public GovernanceDatabase Database { get; }

    public AuditLog Log { get; }

    public AuditSealer Sealer { get; }

    public AuditVerifier Verifier { get; }

    public AlertStore Alerts { get; }

    public static async Task<AuditWorld> CreateAsync(TimeProvider? time = null)
    {
        var (admin, app) = await MigratedDatabase.CreateAsync("audit");
        return new AuditWorld(admin, app, time ?? TimeProvider.System);
    }

    public static AuditRecord Record(int i, string action = "request.transition", AuditOutcome outcome = AuditOutcome.Success) =>
        new(new AuditActor(AuditActorType.User, $"local:{i % 7}", ["Legal"], "10.0.0.1"), action, outcome, "request", $"req-{i}",
            $"req-{i}", new Dictionary<string, object?> { ["step"] = i, ["state"] = "approved" });

    /// <summary>
    /// An entry at a time of the test's choosing, written as the owner: the application role cannot name the time
    /// (the server's clock stamps what it appends), so past entries for time-window tests are made this way.
    /// </summary>
    public async Task AppendAtAsync(AuditRecord record, DateTimeOffset at)
    {
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            insert into gov.audit_log (occurred_at, actor_type, actor_id, actor_roles, action, target_type, target_id, request_id, outcome, client_address, details)
            values (@at, @type, @actor, @roles, @action, @targetType, @targetId, @requestId, @outcome, @address::inet, @details::jsonb)
            """, connection);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("type", AuditLog.ActorTypeCode(record.Actor.Type));
        command.Parameters.AddWithValue("actor", record.Actor.Id);
        command.Parameters.AddWithValue("roles", record.Actor.Roles.Count == 0 ? DBNull.Value : string.Join(',', record.Actor.Roles));
        command.Parameters.AddWithValue("action", record.Action);
        command.Parameters.AddWithValue("targetType", (object?)record.TargetType ?? DBNull.Value);
        command.Parameters.AddWithValue("targetId", (object?)record.TargetId ?? DBNull.Value);
        command.Parameters.AddWithValue("requestId", (object?)record.RequestId ?? DBNull.Value);
        command.Parameters.AddWithValue("outcome", AuditLog.OutcomeCode(record.Outcome));
        command.Parameters.AddWithValue("address", (object?)record.Actor.ClientAddress ?? DBNull.Value);
        command.Parameters.AddWithValue("details", (object?)record.DetailsJson() ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    public async Task AppendSealedAsync(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await Log.AppendAsync(Record(i), CancellationToken.None);
        }

        await SealEverythingAsync();
    }

    /// <summary>Seals until every committed entry is in the chain (<see cref="Sealing"/> says why one pass may not be enough).</summary>
    public Task SealEverythingAsync() => Sealing.EverythingAsync(Sealer, Admin);

    /// <summary>Seals until the chain reaches <paramref name="positions"/> positions.</summary>
    public Task SealUntilPositionAsync(long positions) => Sealing.PositionsAsync(Sealer, Admin, positions);

    /// <summary>Runs SQL as the owner with triggers off, as a superuser tampering with the table would.</summary>
    public async Task TamperAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"set session_replication_role = replica; {sql}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(Admin);
    }
}
