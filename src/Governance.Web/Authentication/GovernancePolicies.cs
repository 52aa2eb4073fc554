using Governance.Core.Security;
using Microsoft.AspNetCore.Authorization;

namespace Governance.Web.Authentication;

/// <summary>
/// One authorization policy per area of the console, and the roles each admits. Pages and APIs name a policy,
/// never a role, so this table is the whole access matrix (tests walk it).
/// </summary>
public static class GovernancePolicies
{
    public const string Dashboard = nameof(Dashboard);
    public const string Requests = nameof(Requests);
    public const string Holds = nameof(Holds);
    public const string Retention = nameof(Retention);
    public const string Residency = nameof(Residency);
    public const string AuditLog = nameof(AuditLog);
    public const string Reports = nameof(Reports);
    public const string DataMap = nameof(DataMap);
    public const string Settings = nameof(Settings);
    public const string Jobs = nameof(Jobs);

    public static IReadOnlyDictionary<string, string[]> Matrix { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Dashboard] = [Roles.PrivacyOfficer, Roles.Legal, Roles.Auditor, Roles.Admin],
        [Requests] = [Roles.PrivacyOfficer, Roles.Legal, Roles.Admin],
        [Holds] = [Roles.PrivacyOfficer, Roles.Legal, Roles.Admin],
        [Retention] = [Roles.PrivacyOfficer, Roles.Auditor, Roles.Admin],
        [Residency] = [Roles.PrivacyOfficer, Roles.Auditor, Roles.Admin],
        [AuditLog] = [Roles.PrivacyOfficer, Roles.Auditor, Roles.Admin],
        [Reports] = [Roles.PrivacyOfficer, Roles.Legal, Roles.Auditor, Roles.Admin],
        [DataMap] = [Roles.PrivacyOfficer, Roles.Auditor, Roles.Admin],
        [Settings] = [Roles.Admin],
        [Jobs] = [Roles.Admin],
    };

    public static void Add(AuthorizationOptions options)
    {
        foreach (var (policy, roles) in Matrix)
        {
            options.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        }

        // Everything not marked otherwise needs a signed-in user.
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }
}
