using Governance.Core.Accounts;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Requests;
using Governance.Core.Security;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Governance.Core.Tests.Accounts;

/// <summary>Disabling, enabling and changing roles of local accounts; revoking API clients; each one audited.</summary>
public sealed class AccountAdministrationTests
{
    private static readonly AuditActor Admin = new(AuditActorType.User, "local:1", [Roles.Admin], "192.0.2.1");

    private sealed class World(string admin, string app) : IAsyncDisposable
    {
        public string AdminConnection { get; } = admin;

        public GovernanceDatabase Database { get; } = new(NpgsqlDataSource.Create(app));

        public AuditLog Audit => new(Database, new AuditSealSignal());

        public AccountAdministration Administration() => new(Database, Audit, new SignInSessions(Database, TimeProvider.System), TimeProvider.System);

        public SignInSessions Sessions() => new(Database, TimeProvider.System);

        public async Task<long> AddAsync(string name, params string[] roles) =>
            await new LocalAccountService(new LocalAccountStore(Database), Database, Audit, Options.Create(new LocalAccountOptions()), TimeProvider.System)
                .AddAsync(name, "a-long-enough-password", roles, Admin, CancellationToken.None);

        public Task<long> CountAsync(string sql) => TestPostgres.ScalarAsync<long>(AdminConnection, sql);

        public async ValueTask DisposeAsync()
        {
            await Database.DisposeAsync();
            await TestPostgres.DropDatabaseAsync(AdminConnection);
        }
    }

    private static async Task<World> WorldAsync()
    {
        var (admin, app) = await MigratedDatabase.CreateAsync("acct");
        return new World(admin, app);
    }

    [Fact]
    public async Task Disable_EndsEverySessionOfTheAccountOnly_AndIsAudited_EnableClearsTheLock()
    {
        await using var world = await WorldAsync();
        var ann = await world.AddAsync("ann", Roles.Legal);
        var bo = await world.AddAsync("bo", Roles.Legal);
        await world.AddAsync("root", Roles.Admin);
        var sessions = world.Sessions();
        var (a1, a2, b1) = (await sessions.StartAsync($"local:{ann}", TimeSpan.FromHours(1), default), await sessions.StartAsync($"local:{ann}", TimeSpan.FromHours(1), default),
            await sessions.StartAsync($"local:{bo}", TimeSpan.FromHours(1), default));

        await world.Administration().DisableAsync("ANN", Admin, CancellationToken.None);

        Assert.False(await sessions.IsActiveAsync(a1, $"local:{ann}", default));
        Assert.False(await sessions.IsActiveAsync(a2, $"local:{ann}", default));
        Assert.True(await sessions.IsActiveAsync(b1, $"local:{bo}", default));
        Assert.Equal(2, await world.CountAsync($"select count(*) from gov.sign_in_sessions where actor_id = 'local:{ann}' and end_reason = 'account-disabled'"));
        Assert.Equal(1, await world.CountAsync($"select count(*) from gov.audit_log where action = 'account.disable' and target_id = '{ann}' and (details->>'sessionsEnded')::int = 2"));

        await world.CountAsync($"update gov.local_accounts set failed_attempts = 5, locked_until = now() + interval '1 hour' where id = {ann} returning 1");
        await world.Administration().EnableAsync("ann", Admin, CancellationToken.None);
        Assert.Equal(1, await world.CountAsync($"select count(*) from gov.local_accounts where id = {ann} and disabled_at is null and locked_until is null and failed_attempts = 0"));
        Assert.Equal(1, await world.CountAsync($"select count(*) from gov.audit_log where action = 'account.enable' and target_id = '{ann}'"));
    }

    [Fact]
    public async Task SetRoles_EndsSessions_UnknownRoleOrAccount_IsRefusedAndChangesNothing()
    {
        await using var world = await WorldAsync();
        var ann = await world.AddAsync("ann", Roles.Legal);
        await world.AddAsync("root", Roles.Admin);
        var session = await world.Sessions().StartAsync($"local:{ann}", TimeSpan.FromHours(1), default);
        var audited = await world.CountAsync("select count(*) from gov.audit_log");

        var badRole = await Assert.ThrowsAsync<ValidationException>(() => world.Administration().SetRolesAsync("ann", ["Superuser"], Admin, CancellationToken.None));
        var nobody = await Assert.ThrowsAsync<ValidationException>(() => world.Administration().SetRolesAsync("nobody", [Roles.Legal], Admin, CancellationToken.None));
        Assert.Equal(["roles"], badRole.Errors.Keys);
        Assert.Equal(["userName"], nobody.Errors.Keys);
        Assert.Equal(audited, await world.CountAsync("select count(*) from gov.audit_log"));
        Assert.True(await world.Sessions().IsActiveAsync(session, $"local:{ann}", default));

        await world.Administration().SetRolesAsync("ann", [Roles.Auditor, Roles.Legal], Admin, CancellationToken.None);

        Assert.False(await world.Sessions().IsActiveAsync(session, $"local:{ann}", default));
        Assert.Equal(1, await world.CountAsync($"select count(*) from gov.local_accounts where id = {ann} and roles @> array['Auditor','Legal'] and cardinality(roles) = 2"));
    }

    [Fact]
    public async Task TwoAdminsDisablingEachOtherAtOnce_OneSucceeds_TheLastEnabledAdminStays()
    {
        await using var world = await WorldAsync();
        await world.AddAsync("root-a", Roles.Admin);
        await world.AddAsync("root-b", Roles.Admin);

        // Two administrations on two connections, started together.
        var results = await Task.WhenAll(
            Task.Run(async () => await Capture(() => world.Administration().DisableAsync("root-a", Admin, CancellationToken.None))),
            Task.Run(async () => await Capture(() => world.Administration().DisableAsync("root-b", Admin, CancellationToken.None))));

        Assert.Single(results, r => r is null);
        Assert.Single(results, r => r is ValidationException);
        Assert.Equal(1, await world.CountAsync("select count(*) from gov.local_accounts where disabled_at is null and 'Admin' = any(roles)"));
        var lastAdmin = await world.CountAsync("select count(*) from gov.local_accounts where disabled_at is null") == 1
            ? await TestPostgres.ScalarAsync<string>(world.AdminConnection, "select user_name from gov.local_accounts where disabled_at is null") : "";
        var refused = await Assert.ThrowsAsync<ValidationException>(() => world.Administration().SetRolesAsync(lastAdmin, [Roles.Legal], Admin, CancellationToken.None));
        Assert.Contains("last enabled Admin", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<Exception?> Capture(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [Fact]
    public async Task RevokedApiClient_IsRefusedFromTheNextCall_AndTheRevocationIsAudited()
    {
        await using var world = await WorldAsync();
        var clients = new ApiClients(world.Database, world.Audit);
        var (id, key) = await clients.AddAsync("chat-eu", Admin, CancellationToken.None);
        Assert.Equal(id, await clients.AuthenticateAsync(key, CancellationToken.None));

        await clients.RevokeAsync("chat-eu", Admin, CancellationToken.None);
        await clients.RevokeAsync("chat-eu", Admin, CancellationToken.None);

        Assert.Null(await clients.AuthenticateAsync(key, CancellationToken.None));
        Assert.Equal(1, await world.CountAsync($"select count(*) from gov.audit_log where action = 'api-client.revoke' and target_id = '{id}'"));
        var unknown = await Assert.ThrowsAsync<ValidationException>(() => clients.RevokeAsync("chat-zz", Admin, CancellationToken.None));
        Assert.Equal(["name"], unknown.Errors.Keys);
    }
}
