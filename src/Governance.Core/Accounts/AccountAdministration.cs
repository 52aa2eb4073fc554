using System.Globalization;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Security;
using Governance.Core.Validation;
using Npgsql;

namespace Governance.Core.Accounts;

/// <summary>A local account as an Admin sees it: never its password hash.</summary>
public sealed record AccountSummary(long Id, string UserName, string[] Roles, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt,
    DateTimeOffset? DisabledAt, DateTimeOffset? LockedUntil);

/// <summary>
/// What an Admin does to local accounts: disable, enable, change roles. Each change is audited and ends the
/// account's open sign-in sessions (its cookies and open pages stop within seconds); the last enabled Admin can be
/// neither disabled nor lose the Admin role, checked under a lock so that two Admins at once cannot both pass.
/// </summary>
public sealed class AccountAdministration(GovernanceDatabase database, AuditLog audit, SignInSessions sessions, TimeProvider time)
{
    public async Task<IReadOnlyList<AccountSummary>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(long Id, string UserName, string[] Roles, DateTime CreatedAt, DateTime? LastSignInAt, DateTime? DisabledAt, DateTime? LockedUntil)>(
            new CommandDefinition("""
                select id, user_name, roles, created_at, last_sign_in_at, disabled_at, locked_until
                from gov.local_accounts order by lower(user_name)
                """, cancellationToken: ct));
        return rows.Select(r => new AccountSummary(r.Id, r.UserName, r.Roles, DbTime.Utc(r.CreatedAt), DbTime.Utc(r.LastSignInAt), DbTime.Utc(r.DisabledAt), DbTime.Utc(r.LockedUntil)))
            .ToList();
    }

    public Task DisableAsync(string userName, AuditActor actor, CancellationToken ct) =>
        ChangeAsync(userName, actor, "account.disable", ct, async (connection, tx, account) =>
        {
            if (account.DisabledAt is not null)
            {
                return null;
            }

            await RefuseLosingTheLastAdminAsync(connection, tx, account, account.Roles.Contains(Roles.Admin), ct);
            await connection.ExecuteAsync(new CommandDefinition("update gov.local_accounts set disabled_at = @now where id = @id",
                new { id = account.Id, now = time.GetUtcNow() }, tx, cancellationToken: ct));
            return SessionEnd.AccountDisabled;
        });

    public Task EnableAsync(string userName, AuditActor actor, CancellationToken ct) =>
        ChangeAsync(userName, actor, "account.enable", ct, async (connection, tx, account) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "update gov.local_accounts set disabled_at = null, failed_attempts = 0, locked_until = null where id = @id",
                new { id = account.Id }, tx, cancellationToken: ct));
            return null;
        });

    public Task SetRolesAsync(string userName, IEnumerable<string> roles, AuditActor actor, CancellationToken ct)
    {
        var wanted = LocalAccountService.ValidateRoles(roles);
        return ChangeAsync(userName, actor, "account.set-roles", ct, async (connection, tx, account) =>
        {
            if (account.Roles.Order(StringComparer.Ordinal).SequenceEqual(wanted.Order(StringComparer.Ordinal)))
            {
                return null;
            }

            await RefuseLosingTheLastAdminAsync(connection, tx, account, account.Roles.Contains(Roles.Admin) && !wanted.Contains(Roles.Admin), ct);
            await connection.ExecuteAsync(new CommandDefinition("update gov.local_accounts set roles = @wanted where id = @id",
                new { id = account.Id, wanted }, tx, cancellationToken: ct));
            return SessionEnd.RolesChanged;
        }, new Dictionary<string, object?> { ["roles"] = wanted });
    }

    private sealed class Locked
    {
        public long Id { get; init; }

        public string[] Roles { get; init; } = [];

        public DateTime? DisabledAt { get; init; }
    }

    /// <summary>
    /// Runs one change on the locked account row: <paramref name="change"/> returns why sessions end (or null when
    /// they stay); the change and its audit entry commit together. An unknown name is a validation error.
    /// </summary>
    private async Task ChangeAsync(string userName, AuditActor actor, string action, CancellationToken ct,
        Func<NpgsqlConnection, NpgsqlTransaction, Locked, Task<string?>> change, IReadOnlyDictionary<string, object?>? details = null)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        // One Admin-changing transaction at a time: the "last Admin" rule is checked against committed state.
        await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(hashtext('gov.local_accounts.admins'))", transaction: tx, cancellationToken: ct));
        var account = await connection.QuerySingleOrDefaultAsync<Locked>(new CommandDefinition(
            "select id, roles, disabled_at as DisabledAt from gov.local_accounts where lower(user_name) = lower(@userName) for update",
            new { userName = (userName ?? "").Trim() }, tx, cancellationToken: ct))
            ?? throw ValidationException.For("account", "userName", "No local account has this name.");
        var ended = await change(connection, tx, account);
        var count = ended is null ? 0 : await sessions.EndAllAsync(connection, tx, LocalAccountService.ActorId(account.Id), ended, ct);
        var all = new Dictionary<string, object?>(details ?? new Dictionary<string, object?>()) { ["sessionsEnded"] = count };
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, action, AuditOutcome.Success, "account",
            account.Id.ToString(CultureInfo.InvariantCulture), Details: all), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }

    private static async Task RefuseLosingTheLastAdminAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Locked account, bool losesAdmin, CancellationToken ct)
    {
        if (!losesAdmin)
        {
            return;
        }

        var others = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "select count(*) from gov.local_accounts where id <> @id and disabled_at is null and 'Admin' = any(roles)",
            new { id = account.Id }, tx, cancellationToken: ct));
        if (others == 0)
        {
            throw ValidationException.For("account", "userName", "This is the last enabled Admin: give another account the Admin role first.");
        }
    }
}
