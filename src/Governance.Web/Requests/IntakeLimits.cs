using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Governance.Web.Requests;

/// <summary>Limits of the intake API (<c>Api:Limits</c>).</summary>
public sealed class IntakeLimitOptions
{
    public const string Section = "Api:Limits";

    /// <summary>Largest request body read, in bytes; larger is refused (413) without reading it.</summary>
    public int MaxBodyBytes { get; set; } = 16 * 1024;

    /// <summary>Calls per minute from one network address, authenticated or not (checked before anything else).</summary>
    public int PerAddressPerMinute { get; set; } = 120;

    /// <summary>Calls per minute by one API client (checked once it is known).</summary>
    public int PerClientPerMinute { get; set; } = 300;
}

/// <summary>
/// Fixed-window limits per network address and per API client: a flood is answered 429 with <c>Retry-After</c>
/// before any key is checked or any body read.
/// </summary>
public sealed class IntakeLimits(IOptions<IntakeLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAddress = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => Window(options.Value.PerAddressPerMinute)));

    private readonly PartitionedRateLimiter<long> _perClient = PartitionedRateLimiter.Create<long, long>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, _ => Window(options.Value.PerClientPerMinute)));

    public int MaxBodyBytes => options.Value.MaxBodyBytes;

    /// <summary>Null when the address may go on; else the 429 to answer.</summary>
    public IResult? ForAddress(HttpContext http) =>
        Refusal(_perAddress.AttemptAcquire(http.Connection.RemoteIpAddress?.ToString() ?? "in-process"), http, "this address");

    public IResult? ForClient(HttpContext http, long clientId) => Refusal(_perClient.AttemptAcquire(clientId), http, "this client");

    public void Dispose()
    {
        _perAddress.Dispose();
        _perClient.Dispose();
    }

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = Math.Max(1, permits),
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static IResult? Refusal(RateLimitLease lease, HttpContext http, string who)
    {
        using (lease)
        {
            if (lease.IsAcquired)
            {
                return null;
            }

            var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                detail: $"Too many calls from {who} in the last minute; retry after the time in Retry-After.");
        }
    }
}
