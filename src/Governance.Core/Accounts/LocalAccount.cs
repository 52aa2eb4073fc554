namespace Governance.Core.Accounts;

public sealed record LocalAccount(
    long Id,
    string UserName,
    string PasswordHash,
    string[] Roles,
    int FailedAttempts,
    DateTimeOffset? LockedUntil,
    DateTimeOffset? DisabledAt);

public enum SignInStatus
{
    Succeeded,
    InvalidCredentials,
    LockedOut,
}

public sealed record SignInResult(SignInStatus Status, LocalAccount? Account = null, DateTimeOffset? LockedUntil = null, long? AccountId = null);
