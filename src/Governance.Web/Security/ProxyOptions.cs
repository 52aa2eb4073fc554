using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Governance.Web.Security;

/// <summary>
/// The TLS reverse proxies in front of the console (<c>Proxy</c> section). Only a request that arrives from one of
/// them has its <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> believed: the client address the audit log
/// records, and whether the request was HTTPS (secure cookies, OpenID Connect redirect addresses). None configured:
/// forwarded headers are ignored.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>Addresses of the proxies, e.g. <c>10.0.0.5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of the proxies in CIDR form, e.g. <c>10.0.0.0/24</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>Also believe <c>X-Forwarded-Host</c> (only when the proxy sets it itself).</summary>
    public bool ForwardHost { get; set; }

    public bool Any => KnownProxies.Length > 0 || KnownNetworks.Length > 0;

    /// <summary>The framework's options; a malformed address or network is an error that names the setting.</summary>
    public ForwardedHeadersOptions ToForwardedHeaders()
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | (ForwardHost ? ForwardedHeaders.XForwardedHost : 0),
            ForwardLimit = 1,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        for (var i = 0; i < KnownProxies.Length; i++)
        {
            options.KnownProxies.Add(IPAddress.TryParse(KnownProxies[i], out var ip)
                ? ip
                : throw new InvalidOperationException($"{Section}:{nameof(KnownProxies)}:{i} is not an IP address."));
        }

        for (var i = 0; i < KnownNetworks.Length; i++)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(KnownNetworks[i], out var network)
                ? network
                : throw new InvalidOperationException($"{Section}:{nameof(KnownNetworks)}:{i} is not a network in CIDR form (e.g. 10.0.0.0/24)."));
        }

        return options;
    }
}
