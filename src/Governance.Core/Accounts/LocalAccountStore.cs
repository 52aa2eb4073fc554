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

    /// <summary>Counts a failure; locks the account once the count reaches the limit. Returns the lock end, if any.</summary>
    public async Task<DateTimeOffset?> RecordFailureAsync(long id, int maxAttempts, DateTimeOffset lockUntil, CancellationToken ct)
    {
        const string sql = """
            update gov.local_accounts
            set failed_attempts = failed_attempts + 1,
                locked_until = case when failed_attempts + 1 >= @maxAttempts then @lockUntil else locked_until end
            where id = @id
            returning locked_until
            """;
        await using var connection = await database.OpenAsync(ct);
        return DbTime.Utc(await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(sql, new { id, maxAttempts, lockUntil }, cancellationToken: ct)));
    }

    public async Task RecordSuccessAsync(long id, DateTimeOffset at, CancellationToken ct)
    {
        const string sql = """
            update gov.local_accounts
            set failed_attempts = 0, locked_until = null, last_sign_in_at = @at
            where id = @id
            """;
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, new { id, at }, cancellationToken: ct));
    }
}
