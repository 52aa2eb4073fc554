namespace Governance.Web.Authentication;

public enum SignInMode
{
    /// <summary>Accounts in the governance database.</summary>
    Local,

    /// <summary>Microsoft Entra ID through Microsoft.Identity.Web, roles from app roles.</summary>
    AzureAd,

    /// <summary>Any OpenID Connect provider (Keycloak, ...), roles from a configurable claim.</summary>
    Oidc,
}

/// <summary>The <c>Authentication</c> section: which sign-in mode, and the settings of OIDC.</summary>
public sealed class SignInOptions
{
    public const string Section = "Authentication";

    public SignInMode Mode { get; set; } = SignInMode.Local;

    /// <summary>Minutes a sign-in lasts without activity.</summary>
    public int SessionMinutes { get; set; } = 60;

    /// <summary>Hours a sign-in lasts at most, however active the person is.</summary>
    public int MaxSessionHours { get; set; } = 12;

    /// <summary>Seconds a request may rely on the last check of its sign-in's session (0: check every request).</summary>
    public int SessionCheckSeconds { get; set; } = 5;

    /// <summary>Seconds between checks of an open page's sign-in session.</summary>
    public int PageCheckSeconds { get; set; } = 5;

    public OidcSettings Oidc { get; set; } = new();
}

public sealed class OidcSettings
{
    public string Authority { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>Keep out of files: set it through an environment variable or a secret store.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>Claim holding roles; a dotted path reads into a JSON claim (Keycloak: <c>realm_access.roles</c>).</summary>
    public string RoleClaim { get; set; } = "roles";

    public string NameClaim { get; set; } = "preferred_username";

    public string[] Scopes { get; set; } = ["openid", "profile"];

    public bool RequireHttpsMetadata { get; set; } = true;
}
