namespace Governance.Core.Security;

/// <summary>The four roles of the console. Names are what identity providers send as role claims.</summary>
public static class Roles
{
    public const string PrivacyOfficer = "PrivacyOfficer";
    public const string Legal = "Legal";
    public const string Auditor = "Auditor";
    public const string Admin = "Admin";

    public static IReadOnlyList<string> All { get; } = [PrivacyOfficer, Legal, Auditor, Admin];

    /// <summary>The canonical spelling of a role name given in any case, or null when it is not a role.</summary>
    public static string? Normalise(string name) =>
        All.FirstOrDefault(r => string.Equals(r, name.Trim(), StringComparison.OrdinalIgnoreCase));
}
