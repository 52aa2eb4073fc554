using Dapper;
using Governance.Core.Database;
using Npgsql;

namespace Governance.Core.Accounts;

/// <summary>Why a sign-in session ended.</summary>
public static class SessionEnd
{
    public const string SignOut = "sign-out";
    public const string AccountDisabled = "account-disabled";
    public const string RolesChanged = "roles-changed";
    public const string Revoked = "revoked";
}

/// <summary>
/// Sign-in sessions kept in the governance database (<c>gov.sign_in_sessions</c>): the cookie only names its session,
/// so ending the session here ends the cookie and the open pages of that sign-in, whatever the browser still holds.
/// A session lasts at most its absolute lifetime, however active the person is.
/// </summary>
public sealed class SignInSessions(GovernanceDatabase database, TimeProvider time)
{
    /// <summary>Starts a session for <paramref name="actorId"/> (e.g. <c>local:12</c>, <c>oidc:…</c>) and returns its id.</summary>
    public async Task<Guid> StartAsync(string actorId, TimeSpan lifetime, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "insert into gov.sign_in_sessions (id, actor_id, started_at, expires_at) values (@id, @actorId, @now, @expires)",
            new { id, actorId, now, expires = now + lifetime }, cancellationToken: ct));
        return id;
    }

    /// <summary>
    /// True while the session is neither ended nor expired, belongs to <paramref name="actorId"/> and, for a local
    /// account, the account is not disabled.
    /// </summary>
    public async Task<bool> IsActiveAsync(Guid session, string actorId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            select exists (
                select 1 from gov.sign_in_sessions s
                where s.id = @session and s.actor_id = @actorId and s.ended_at is null and s.expires_at > @now
                  and not exists (select 1 from gov.local_accounts a
                                  where s.actor_id = 'local:' || a.id and a.disabled_at is not null))
            """, new { session, actorId, now = time.GetUtcNow() }, cancellationToken: ct));
    }

    /// <summary>Ends one session (sign-out). Ending an ended session changes nothing.</summary>
    public async Task EndAsync(Guid session, string reason, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "update gov.sign_in_sessions set ended_at = @now, end_reason = @reason where id = @session and ended_at is null",
            new { session, reason, now = time.GetUtcNow() }, cancellationToken: ct));
    }

    /// <summary>Ends every open session of an actor inside the caller's transaction; returns how many.</summary>
    public async Task<int> EndAllAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string actorId, string reason, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "update gov.sign_in_sessions set ended_at = @now, end_reason = @reason where actor_id = @actorId and ended_at is null",
            new { actorId, reason, now = time.GetUtcNow() }, tx, cancellationToken: ct));
}
