using System.Globalization;
using System.Security.Cryptography;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Security;
using Governance.Core.Validation;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Governance.Core.Accounts;

/// <summary>Sign-in, creation and the first Admin of local accounts.</summary>
public sealed class LocalAccountService(LocalAccountStore store, GovernanceDatabase database, AuditLog audit, IOptions<LocalAccountOptions> options, TimeProvider time)
{
    private static readonly PasswordHasher<LocalAccount> Hasher = new();

    // Hashing a throwaway password when the user is unknown keeps the answer time the same either way.
    private static readonly string DummyHash = Hasher.HashPassword(null!, "not-a-real-password-" + Guid.NewGuid());

    /// <summary>Checks a password and audits the attempt (the typed user name is never recorded: it may be a mistyped password).</summary>
    public async Task<SignInResult> SignInAsync(string userName, string password, string? clientAddress, CancellationToken ct)
    {
        var result = await CheckAsync(userName, password, ct);
        var accountId = result.Account?.Id ?? result.AccountId;
        var actor = accountId is { } id
            ? new AuditActor(AuditActorType.User, ActorId(id), result.Account?.Roles ?? [], clientAddress)
            : new AuditActor(AuditActorType.User, "anonymous", [], clientAddress);
        var outcome = result.Status == SignInStatus.Succeeded ? AuditOutcome.Success : AuditOutcome.Failure;
        var reason = result.Status switch
        {
            SignInStatus.Succeeded => null,
            SignInStatus.LockedOut => "locked",
            _ => accountId is null ? "unknown-account" : "wrong-password",
        };
        var details = reason is null ? null : new Dictionary<string, object?> { ["reason"] = reason };
        if (result.Status == SignInStatus.InvalidCredentials && result.LockedUntil is { } until)
        {
            details!["lockedUntil"] = until;
        }

        await audit.AppendAsync(new AuditRecord(actor, "auth.sign-in", outcome, "account", accountId?.ToString(CultureInfo.InvariantCulture), Details: details), ct);
        return result;
    }

    public static string ActorId(long accountId) => $"local:{accountId.ToString(CultureInfo.InvariantCulture)}";

    private async Task<SignInResult> CheckAsync(string userName, string password, CancellationToken ct)
    {
        var account = string.IsNullOrWhiteSpace(userName) ? null : await store.FindAsync(userName.Trim(), ct);
        if (account is null || account.DisabledAt is not null)
        {
            Hasher.VerifyHashedPassword(null!, DummyHash, password ?? "");
            return new SignInResult(SignInStatus.InvalidCredentials, AccountId: account?.Id);
        }

        var now = time.GetUtcNow();
        var o = options.Value;
        var attempt = await store.BeginAttemptAsync(account.Id, o.MaxFailedAttempts, TimeSpan.FromMinutes(o.LockoutMinutes), TimeSpan.FromMinutes(o.LockoutMinutes), now, ct);
        if (!attempt.Checked)
        {
            // Locked: the password is not checked (but hashed anyway, so that the answer takes as long).
            Hasher.VerifyHashedPassword(null!, DummyHash, password ?? "");
            return new SignInResult(SignInStatus.LockedOut, LockedUntil: attempt.LockedUntil, AccountId: account.Id);
        }

        var verdict = Hasher.VerifyHashedPassword(account, account.PasswordHash, password ?? "");
        if (verdict == PasswordVerificationResult.Failed)
        {
            return new SignInResult(SignInStatus.InvalidCredentials, LockedUntil: attempt.LocksIfWrong ? attempt.LockedUntil : null, AccountId: account.Id);
        }

        await store.RecordSuccessAsync(account.Id, now, ct);
        return new SignInResult(SignInStatus.Succeeded, account, AccountId: account.Id);
    }

    /// <summary>Adds an account. Throws <see cref="ValidationException"/> naming the field for bad input; nothing is written then.</summary>
    public async Task<long> AddAsync(string userName, string password, IEnumerable<string> roles, AuditActor actor, CancellationToken ct)
    {
        var name = ValidateUserName(userName);
        var roleList = ValidateRoles(roles);
        ValidatePassword(password);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var id = await LocalAccountStore.InsertAsync(connection, tx, name, Hasher.HashPassword(null!, password), roleList, ct)
            ?? throw ValidationException.For("account", "userName", "An account with this name already exists.");
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "account.create", AuditOutcome.Success, "account", id.ToString(CultureInfo.InvariantCulture),
            Details: new Dictionary<string, object?> { ["roles"] = roleList }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return id;
    }

    /// <summary>
    /// Creates the first Admin when there is no account at all. Returns the password to show once (generated, or
    /// the one given), or null when accounts already exist.
    /// </summary>
    public async Task<string?> EnsureInitialAdminAsync(string? password, CancellationToken ct)
    {
        if (await store.CountAsync(ct) > 0)
        {
            return null;
        }

        var chosen = string.IsNullOrEmpty(password) ? GeneratePassword() : password;
        ValidatePassword(chosen);
        var created = await store.InsertFirstAsync(options.Value.InitialAdminUserName, Hasher.HashPassword(null!, chosen), [Roles.Admin], ct);
        if (created)
        {
            await audit.AppendAsync(new AuditRecord(AuditActor.System("first-start"), "account.create-initial-admin", AuditOutcome.Success, "account",
                Details: new Dictionary<string, object?> { ["roles"] = new[] { Roles.Admin } }), ct);
        }

        return created ? chosen : null;
    }

    public static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }

    private static string ValidateUserName(string userName)
    {
        var name = (userName ?? "").Trim();
        if (name.Length is 0 or > 64 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw ValidationException.For("account", "userName", "1 to 64 characters without spaces.");
        }

        return name;
    }

    internal static string[] ValidateRoles(IEnumerable<string> roles)
    {
        var list = new List<string>();
        foreach (var r in roles)
        {
            var role = Roles.Normalise(r) ?? throw ValidationException.For(
                "account", "roles", $"Unknown role '{r}': use one of {string.Join(", ", Roles.All)}.");
            if (!list.Contains(role))
            {
                list.Add(role);
            }
        }

        return list.Count > 0 ? [.. list] : throw ValidationException.For("account", "roles", "Give at least one role.");
    }

    private void ValidatePassword(string password)
    {
        var min = options.Value.MinimumPasswordLength;
        if (string.IsNullOrEmpty(password) || password.Length < min)
        {
            throw ValidationException.For("account", "password", $"At least {min} characters.");
        }
    }
}
