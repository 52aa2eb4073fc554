using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Governance.Web.Tests.Support;

/// <summary>
/// A minimal OAuth 2.0 authorization server on loopback, standing in for Entra ID or Keycloak (which cannot run
/// on these machines): OpenID discovery, a JWKS with one RSA key, and the client-credentials grant at /token.
/// The console under test fetches its metadata and keys over HTTP, as it would from the real server.
/// </summary>
public sealed class TestTokenIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;

    private TestTokenIssuer(WebApplication app, RsaSecurityKey key, string baseUrl)
    {
        _app = app;
        _key = key;
        Authority = baseUrl;
    }

    public string Authority { get; }

    public const string ClientId = "chat-system";
    public const string ClientSecret = "test-client-secret";

    public static async Task<TestTokenIssuer> StartAsync(string audience, string scope)
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key-1" };
        var port = Governance.Core.Database.Embedded.EmbeddedCluster.FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var issuer = new TestTokenIssuer(app, key, baseUrl);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = baseUrl,
            ["jwks_uri"] = $"{baseUrl}/jwks",
            ["token_endpoint"] = $"{baseUrl}/token",
            ["grant_types_supported"] = new[] { "client_credentials" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (form["grant_type"] != "client_credentials" || form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
            {
                return Results.Json(new { error = "invalid_client" }, statusCode: 401);
            }

            var requested = form["scope"].ToString();
            return Results.Json(new { access_token = issuer.Token(audience, requested == "" ? scope : requested, TimeSpan.FromMinutes(5)), token_type = "Bearer", expires_in = 300 });
        });
        await app.StartAsync();
        return issuer;
    }

    /// <summary>A token as the server would issue it; tests also make bad ones (other audience, expired, no scope, foreign key).</summary>
    public string Token(string audience, string scope, TimeSpan lifetime, bool foreignKey = false)
    {
        var now = DateTime.UtcNow;
        var signing = foreignKey ? new RsaSecurityKey(RSA.Create(2048)) { KeyId = _key.KeyId } : _key;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = audience,
            IssuedAt = now.AddMinutes(-10),
            NotBefore = now.AddMinutes(-10),
            Expires = now.Add(lifetime),
            Claims = new Dictionary<string, object> { ["azp"] = ClientId, ["scope"] = scope, ["sub"] = "service-account-chat-system" },
            SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
