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

/// <summary>
/// One counted sign-in attempt: whether its password may be checked (false: the account was already locked), and
/// whether a wrong password leaves the account locked, until when.
/// </summary>
public sealed record SignInAttempt(bool Checked, bool LocksIfWrong, DateTimeOffset? LockedUntil);
