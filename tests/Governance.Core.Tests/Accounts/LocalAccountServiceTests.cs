using Governance.Core.Accounts;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Security;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Accounts;

public sealed class LocalAccountServiceTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));

    private LocalAccountService Service(LocalAccountOptions? options = null)
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        return new(new LocalAccountStore(database), database, new AuditLog(database, new AuditSealSignal()), Options.Create(options ?? new LocalAccountOptions()), _time);
    }

    private static readonly AuditActor Cli = AuditActor.System("test");

    private static string Name() => "user-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task SignInAsync_RightPassword_SucceedsWithRolesAndAnyCaseOfName()
    {
        var service = Service();
        var name = Name();
        await service.AddAsync(name, "a-long-enough-password", ["auditor", "Legal"], Cli, CancellationToken.None);

        var result = await service.SignInAsync(name.ToUpperInvariant(), "a-long-enough-password", "127.0.0.1", CancellationToken.None);

        Assert.Equal(SignInStatus.Succeeded, result.Status);
        Assert.Equal([Roles.Auditor, Roles.Legal], result.Account!.Roles);
    }

    [Fact]
    public async Task SignInAsync_UnknownUserOrWrongPassword_AreTheSameAnswer()
    {
        var service = Service();
        var name = Name();
        await service.AddAsync(name, "a-long-enough-password", [Roles.Admin], Cli, CancellationToken.None);

        var wrong = await service.SignInAsync(name, "not-the-password", "127.0.0.1", CancellationToken.None);
        var unknown = await service.SignInAsync(Name(), "not-the-password", "127.0.0.1", CancellationToken.None);

        Assert.Equal(SignInStatus.InvalidCredentials, wrong.Status);
        Assert.Equal(SignInStatus.InvalidCredentials, unknown.Status);
        Assert.Null(wrong.Account);
    }

    [Fact]
    public async Task SignInAsync_RepeatedFailures_LockUntilTheLockoutEnds()
    {
        var service = Service(new LocalAccountOptions { MaxFailedAttempts = 3, LockoutMinutes = 15 });
        var name = Name();
        await service.AddAsync(name, "a-long-enough-password", [Roles.Admin], Cli, CancellationToken.None);

        Assert.Equal(SignInStatus.InvalidCredentials, (await service.SignInAsync(name, "wrong-1", "127.0.0.1", CancellationToken.None)).Status);
        Assert.Equal(SignInStatus.InvalidCredentials, (await service.SignInAsync(name, "wrong-2", "127.0.0.1", CancellationToken.None)).Status);
        var third = await service.SignInAsync(name, "wrong-3", "127.0.0.1", CancellationToken.None);
        Assert.Equal(SignInStatus.InvalidCredentials, third.Status);
        Assert.Equal(_time.GetUtcNow().AddMinutes(15), third.LockedUntil);

        // Even the right password is refused while locked.
        Assert.Equal(SignInStatus.LockedOut, (await service.SignInAsync(name, "a-long-enough-password", "127.0.0.1", CancellationToken.None)).Status);

        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SignInStatus.Succeeded, (await service.SignInAsync(name, "a-long-enough-password", "127.0.0.1", CancellationToken.None)).Status);
        // Success resets the count: one more failure does not lock again.
        Assert.Equal(SignInStatus.InvalidCredentials, (await service.SignInAsync(name, "wrong-4", "127.0.0.1", CancellationToken.None)).Status);
    }

    [Fact]
    public async Task SignInAsync_OneWrongPasswordNowAndThen_NeverAddsUpToALock()
    {
        var service = Service(new LocalAccountOptions { MaxFailedAttempts = 3, LockoutMinutes = 15 });
        var name = Name();
        await service.AddAsync(name, "a-long-enough-password", [Roles.Admin], Cli, CancellationToken.None);

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(SignInStatus.InvalidCredentials, (await service.SignInAsync(name, $"wrong-{i}", "127.0.0.1", CancellationToken.None)).Status);
            _time.Advance(TimeSpan.FromMinutes(16));
        }

        Assert.Equal(SignInStatus.Succeeded, (await service.SignInAsync(name, "a-long-enough-password", "127.0.0.1", CancellationToken.None)).Status);
    }

    [Fact]
    public async Task SignInAsync_FortyParallelGuesses_CheckExactlyTheAllowedNumberOfPasswords()
    {
        var options = new LocalAccountOptions { MaxFailedAttempts = 5, LockoutMinutes = 15 };
        var name = Name();
        var id = await Service(options).AddAsync(name, "a-long-enough-password", [Roles.Admin], Cli, CancellationToken.None);

        // Forty guesses at once, each on its own service and connection, as forty browsers would send them.
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => Service(options).SignInAsync(name, $"guess-{i}", "198.51.100.7", CancellationToken.None))));

        Assert.All(results, r => Assert.NotEqual(SignInStatus.Succeeded, r.Status));
        // Checked guesses are audited as wrong passwords, refused ones as locked: the count is the limit, not more.
        Assert.Equal(5, await TestPostgres.ScalarAsync<long>(db.ConnectionString,
            $"select count(*) from gov.audit_log where action = 'auth.sign-in' and target_id = '{id}' and details->>'reason' = 'wrong-password'"));
        Assert.Equal(35, await TestPostgres.ScalarAsync<long>(db.ConnectionString,
            $"select count(*) from gov.audit_log where action = 'auth.sign-in' and target_id = '{id}' and details->>'reason' = 'locked'"));
    }

    [Theory]
    [InlineData("has space", "a-long-enough-password", "Admin", "userName")]
    [InlineData("", "a-long-enough-password", "Admin", "userName")]
    [InlineData("ok-name", "short", "Admin", "password")]
    [InlineData("ok-name", "a-long-enough-password", "Superuser", "roles")]
    public async Task AddAsync_BadInput_NamesTheFieldAndWritesNothing(string userName, string password, string role, string field)
    {
        var before = await TestPostgres.ScalarAsync<long>(db.ConnectionString, "select count(*) from gov.local_accounts");

        var error = await Assert.ThrowsAsync<ValidationException>(() => Service().AddAsync(userName, password, [role], Cli, CancellationToken.None));

        Assert.Equal([field], error.Errors.Keys);
        Assert.Equal(before, await TestPostgres.ScalarAsync<long>(db.ConnectionString, "select count(*) from gov.local_accounts"));
    }

    [Fact]
    public async Task AddAsync_TakenNameInOtherCase_IsRefused()
    {
        var service = Service();
        var name = Name();
        await service.AddAsync(name, "a-long-enough-password", [Roles.Legal], Cli, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ValidationException>(() => service.AddAsync(name.ToUpperInvariant(), "another-long-password", [Roles.Legal], Cli, CancellationToken.None));

        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The stored hash, decoded by the published ASP.NET Core Identity v3 layout (format marker 0x01; PRF, iteration
    /// count and salt length as big-endian 32-bit numbers; then the salt and the PBKDF2 subkey) and recomputed here
    /// with PBKDF2 directly: the same password on two accounts gives two salts and two hashes.
    /// </summary>
    [Fact]
    public async Task StoredHash_IsSaltedPbkdf2_AndTheSamePasswordOnTwoAccountsDiffers()
    {
        const string Password = "a-long-enough-password";
        var (first, second) = (Name(), Name());
        await Service().AddAsync(first, Password, [Roles.Admin], Cli, CancellationToken.None);
        await Service().AddAsync(second, Password, [Roles.Legal], Cli, CancellationToken.None);

        var hashes = new List<byte[]>();
        foreach (var name in new[] { first, second })
        {
            var text = await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select password_hash from gov.local_accounts where user_name = '{name}'");
            Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
            hashes.Add(Convert.FromBase64String(text));
        }

        var salts = new List<string>();
        foreach (var hash in hashes)
        {
            Assert.Equal(0x01, hash[0]);
            var prf = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(1));
            var iterations = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5));
            var saltLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(9));
            Assert.Equal(2u, prf); // HMAC-SHA512
            Assert.True(iterations >= 100_000, $"{iterations} PBKDF2 iterations");
            Assert.True(saltLength >= 16, $"a salt of {saltLength} bytes");
            var salt = hash.AsSpan(13, saltLength).ToArray();
            var subkey = hash.AsSpan(13 + saltLength).ToArray();
            Assert.Equal(subkey, System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(Password, salt, iterations, System.Security.Cryptography.HashAlgorithmName.SHA512, subkey.Length));
            salts.Add(Convert.ToHexString(salt));
        }

        Assert.NotEqual(salts[0], salts[1]);
        Assert.NotEqual(hashes[0], hashes[1]);
    }
}

public sealed class InitialAdminTests
{
    [Fact]
    public async Task EnsureInitialAdminAsync_ManyProcessesAtOnce_CreateExactlyOneAdmin()
    {
        var (cs, app) = await MigratedDatabase.CreateAsync("first");
        try
        {
            var services = Enumerable.Range(0, 6).Select(_ =>
            {
                var database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
                return new LocalAccountService(new LocalAccountStore(database), database, new AuditLog(database, new AuditSealSignal()),
                    Options.Create(new LocalAccountOptions()), TimeProvider.System);
            }).ToList();

            var passwords = await Task.WhenAll(services.Select(s => s.EnsureInitialAdminAsync(null, CancellationToken.None)));

            var shown = Assert.Single(passwords, p => p is not null);
            Assert.Equal(1, await TestPostgres.ScalarAsync<long>(cs, "select count(*) from gov.local_accounts where roles = array['Admin']"));
            Assert.Equal(SignInStatus.Succeeded, (await services[0].SignInAsync("admin", shown!, "127.0.0.1", CancellationToken.None)).Status);
            Assert.Null(await services[0].EnsureInitialAdminAsync(null, CancellationToken.None));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }
    }
}
