using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Governance.Web.Tests.Support;

/// <summary>
/// A certified OpenID Provider (the npm package <c>oidc-provider</c>, installed by ./test.sh into tests/oidc-provider)
/// running in Node.js on loopback: what the Oidc sign-in mode and the intake API's OAuth client credentials are tested
/// against. Accounts sign in on the package's own login and consent pages (any password); their roles are nested in
/// <c>realm_access.roles</c>, as Keycloak sends them.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ConsoleClient = "governance-console";
    public const string ConsoleSecret = "console-secret-for-tests";
    public const string ApiClient = "chat-system";
    public const string BriefApiClient = "chat-system-brief";
    public const string ReadOnlyApiClient = "chat-system-reader";
    public const string ApiSecret = "api-secret-for-tests";
    public const string Audience = "urn:governance:api"; // resource indicators are absolute URIs
    public const string OtherAudience = "urn:other:api";
    public const string Scope = "requests.submit";

    private readonly string _work;
    private readonly int _port;
    private readonly string _consoleUrl;
    private Process? _process;
    private readonly StringBuilder _output = new();

    private OidcProvider(string work, int port, string consoleUrl)
    {
        _work = work;
        _port = port;
        _consoleUrl = consoleUrl;
    }

    public string Issuer => $"http://127.0.0.1:{_port}";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the provider signing with the keys named (generated on first use, kept by name).</summary>
    public static async Task<OidcProvider> StartAsync(string consoleUrl, params string[] keys)
    {
        var work = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "oidc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var provider = new OidcProvider(work, Governance.Core.Database.Embedded.EmbeddedCluster.FreePort(), consoleUrl);
        await provider.RunAsync(keys.Length == 0 ? ["key-1"] : keys);
        return provider;
    }

    /// <summary>Stops the provider and starts it again on the same address, signing with another list of keys (a rotation).</summary>
    public async Task RestartAsync(params string[] keys)
    {
        await StopAsync();
        await RunAsync(keys);
    }

    private async Task RunAsync(string[] keys)
    {
        var folder = PackageFolder();
        var config = Path.Combine(_work, "config.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            port = _port,
            issuer = Issuer,
            keyDir = _work,
            keys,
            defaultResource = Audience,
            resources = new Dictionary<string, object>
            {
                [Audience] = new { scope = "requests.submit requests.read" },
                [OtherAudience] = new { scope = "requests.submit" },
            },
            accessTokenTtl = new Dictionary<string, int> { [BriefApiClient] = 2 },
            accounts = new Dictionary<string, object>
            {
                ["ann.legal"] = new { name = "Ann Legal", roles = new[] { "Legal" } },
                ["otto.nobody"] = new { name = "Otto Nobody", roles = Array.Empty<string>() },
            },
            clients = new object[]
            {
                new Dictionary<string, object>
                {
                    ["client_id"] = ConsoleClient, ["client_secret"] = ConsoleSecret,
                    ["redirect_uris"] = new[] { $"{_consoleUrl}/signin-oidc" },
                    ["post_logout_redirect_uris"] = new[] { $"{_consoleUrl}/signout-callback-oidc" },
                    ["grant_types"] = new[] { "authorization_code" }, ["response_types"] = new[] { "code" },
                    ["token_endpoint_auth_method"] = "client_secret_post",
                },
                ApiClientConfig(ApiClient, "requests.submit requests.read"),
                ApiClientConfig(BriefApiClient, "requests.submit"),
                ApiClientConfig(ReadOnlyApiClient, "requests.read"),
            },
        }));

        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        info.ArgumentList.Add(Path.Combine(folder, "server.mjs"));
        info.ArgumentList.Add(config);
        info.Environment["NODE_ENV"] = "development";
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The OpenID provider exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync($"{Issuer}/.well-known/openid-configuration")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The OpenID provider did not answer within 30 s:\n{Output}");
    }

    private static Dictionary<string, object> ApiClientConfig(string id, string scope) => new()
    {
        ["client_id"] = id, ["client_secret"] = ApiSecret, ["scope"] = scope,
        ["grant_types"] = new[] { "client_credentials" }, ["response_types"] = Array.Empty<string>(), ["redirect_uris"] = Array.Empty<string>(),
        ["token_endpoint_auth_method"] = "client_secret_post",
    };

    /// <summary>An access token by the client-credentials grant (for <paramref name="resource"/>, or the provider's default).</summary>
    public async Task<string> ClientCredentialsAsync(string client, string scope, string? resource = null)
    {
        using var http = new HttpClient();
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = client, ["client_secret"] = ApiSecret, ["scope"] = scope };
        if (resource is not null)
        {
            form["resource"] = resource;
        }

        var response = await http.PostAsync($"{Issuer}/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token request of {client} refused: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>The folder of the provider's package, with its dependencies installed.</summary>
    public static string PackageFolder()
    {
        var folder = Governance.Tests.Support.RepositoryFolders.Find(Path.Combine("tests", "oidc-provider"));
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")), "tests/oidc-provider has no node_modules: ./test.sh installs them (npm ci).");
        return folder;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
