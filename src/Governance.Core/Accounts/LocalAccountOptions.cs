using System.ComponentModel.DataAnnotations;

namespace Governance.Core.Accounts;

/// <summary>Settings of local accounts (<c>Authentication:Local</c>).</summary>
public sealed class LocalAccountOptions
{
    public const string Section = "Authentication:Local";

    /// <summary>Failed sign-ins in a row that lock an account.</summary>
    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>User name of the Admin account created on first start when there is none.</summary>
    [Required, StringLength(64, MinimumLength = 1)]
    public string InitialAdminUserName { get; set; } = "admin";

    /// <summary>
    /// Where the first start writes the generated password of the first Admin (a new file readable by its owner only)
    /// instead of printing it. Empty: printed once on the console.
    /// </summary>
    public string InitialAdminPasswordFile { get; set; } = "";

    /// <summary>Shortest password accepted for a local account.</summary>
    [Range(8, 128)]
    public int MinimumPasswordLength { get; set; } = 12;
}
