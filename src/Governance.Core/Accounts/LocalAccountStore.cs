using Dapper;
using Governance.Core.Database;

namespace Governance.Core.Accounts;

/// <summary>Rows of <c>gov.local_accounts</c>.</summary>
public sealed class LocalAccountStore(GovernanceDatabase database)
{
    public async Task<LocalAccount?> FindAsync(string userName, CancellationToken ct)
    {
        const string sql = """
            select id, user_name as UserName, password_hash as PasswordHash, roles, failed_attempts as FailedAttempts,
                   locked_until as LockedUntil, disabled_at as DisabledAt
            from gov.local_accounts
            where lower(user_name) = lower(@userName)
            """;
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, new { userName }, cancellationToken: ct));
        return row is null
            ? null
            : new LocalAccount(row.Id, row.UserName, row.PasswordHash, row.Roles, row.FailedAttempts, DbTime.Utc(row.LockedUntil), DbTime.Utc(row.DisabledAt));
    }


    private sealed class Row
    {
        public long Id { get; init; }

        public string UserName { get; init; } = "";

        public string PasswordHash { get; init; } = "";

        public string[] Roles { get; init; } = [];

        public int FailedAttempts { get; init; }

        public DateTime? LockedUntil { get; init; }

        public DateTime? DisabledAt { get; init; }
    }

    public async Task<long> CountAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("select count(*) from gov.local_accounts", cancellationToken: ct));
    }

    /// <summary>Inserts an account in the caller's transaction; returns null when the user name is taken.</summary>
    public static async Task<long?> InsertAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, string userName, string passwordHash, string[] roles, CancellationToken ct)
    {
        const string sql = """
            insert into gov.local_accounts (user_name, password_hash, roles)
            values (@userName, @passwordHash, @roles)
            on conflict do nothing
            returning id
            """;
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(sql, new { userName, passwordHash, roles }, tx, cancellationToken: ct));
    }


    /// <summary>Inserts the first account only while the table is empty (several processes may start at once).</summary>
    public async Task<bool> InsertFirstAsync(string userName, string passwordHash, string[] roles, CancellationToken ct)
    {
        const string sql = """
            select pg_advisory_xact_lock(hashtext('gov.local_accounts.first'));
            insert into gov.local_accounts (user_name, password_hash, roles)
            select @userName, @passwordHash, @roles
            where not exists (select 1 from gov.local_accounts);
            """;
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(sql, new { userName, passwordHash, roles }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return inserted > 0;
    }

    /// <summary>
    /// Counts one sign-in attempt before its password is checked, on the locked row, so that parallel guesses are
    /// counted one by one: an account already locked refuses the attempt unchecked; failures count together only
    /// within <paramref name="window"/> of each other (and a lock that has run out starts the count afresh); the
    /// attempt that reaches <paramref name="maxAttempts"/> locks the account until <c>now + lockout</c>. A right
    /// password then clears the count (<see cref="RecordSuccessAsync"/>).
    /// </summary>
    public async Task<SignInAttempt> BeginAttemptAsync(long id, int maxAttempts, TimeSpan window, TimeSpan lockout, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        var row = await connection.QuerySingleAsync<(int Failed, DateTime? LockedUntil, DateTime? LastFailedAt)>(new CommandDefinition(
            "select failed_attempts, locked_until, last_failed_at from gov.local_accounts where id = @id for update", new { id }, tx, cancellationToken: ct));
        var lockedUntil = DbTime.Utc(row.LockedUntil);
        if (lockedUntil is { } until && until > now)
        {
            await tx.CommitAsync(ct);
            return new SignInAttempt(Checked: false, LocksIfWrong: true, until);
        }

        var recent = DbTime.Utc(row.LastFailedAt) is { } last && last > now - window && lockedUntil is null;
        var count = (recent ? row.Failed : 0) + 1;
        DateTimeOffset? locks = count >= maxAttempts ? now + lockout : null;
        await connection.ExecuteAsync(new CommandDefinition(
            "update gov.local_accounts set failed_attempts = @count, last_failed_at = @now, locked_until = @locks where id = @id",
            new { id, count, now, locks }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new SignInAttempt(Checked: true, LocksIfWrong: locks is not null, locks);
    }

    public async Task RecordSuccessAsync(long id, DateTimeOffset at, CancellationToken ct)
    {
        const string sql = """
            update gov.local_accounts
            set failed_attempts = 0, locked_until = null, last_failed_at = null, last_sign_in_at = @at
            where id = @id
            """;
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, new { id, at }, cancellationToken: ct));
    }
}
