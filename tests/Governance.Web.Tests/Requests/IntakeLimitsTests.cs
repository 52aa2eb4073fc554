using System.Net;
using System.Net.Http.Json;
using System.Text;
using Governance.Tests.Support;
using Governance.Web.Tests.Support;

namespace Governance.Web.Tests.Requests;

/// <summary>The intake API checks the caller before it reads a body, reads at most 16 KiB, and limits call rates.</summary>
public sealed class IntakeLimitsTests(ConsoleDatabases databases) : IClassFixture<ConsoleDatabases>
{
    /// <summary>A body of the given size made on demand, counting how much of it the server pulled.</summary>
    private sealed class CountingContent : HttpContent
    {
        private readonly long size;

        public CountingContent(long size)
        {
            this.size = size;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json"); // JSON, as the API asks
        }

        public long Sent;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
            await stream.WriteAsync("{\"regime\":\"gdpr\",\"pad\":\""u8.ToArray());
            while (Sent < size)
            {
                await stream.WriteAsync(chunk);
                Sent += chunk.Length;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    private Task<long> CountAsync() => TestPostgres.ScalarAsync<long>(databases.AdminConnectionString, "select count(*) from gov.requests");

    [Fact]
    public async Task Post_25MegabytesWithoutAKey_Is401_BeforeTheBodyIsRead()
    {
        using var factory = new ConsoleFactory(databases.Settings);
        var content = new CountingContent(25L * 1024 * 1024);

        var response = await factory.Anonymous().PostAsync("/api/v1/requests", content);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(content.Sent < 2 * 1024 * 1024, $"{content.Sent:N0} bytes were pulled from the client");
    }

    [Fact]
    public async Task Post_BodyOverTheLimit_WithAValidKey_Is413_AndWritesNothing()
    {
        using var factory = new ConsoleFactory(databases.Settings);
        var client = factory.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", databases.ApiKey);
        var before = await CountAsync();

        var declared = await client.PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr", type = "access", email = "a@example.org", pad = new string('x', 17_000) });
        var streamed = await client.PostAsync("/api/v1/requests", new CountingContent(100_000));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Post_MalformedJson_IsAValidationProblemNamingTheBody()
    {
        using var factory = new ConsoleFactory(databases.Settings);
        var client = factory.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", databases.ApiKey);

        var response = await client.PostAsync("/api/v1/requests", new StringContent("{\"regime\": \"gdpr\",", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"body\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_BeyondThePerAddressRate_Are429WithRetryAfter_EvenWithoutAKey()
    {
        using var factory = new ConsoleFactory(new Dictionary<string, string?>(databases.Settings) { ["Api:Limits:PerAddressPerMinute"] = "4" });
        var client = factory.Anonymous();

        var codes = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 5; i++)
        {
            last = await client.PostAsJsonAsync("/api/v1/requests", new { regime = "gdpr" });
            codes.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], codes);
        Assert.InRange(int.Parse(last.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
    }

    [Fact]
    public async Task Calls_BeyondThePerClientRate_Are429_AndWriteNothing()
    {
        using var factory = new ConsoleFactory(new Dictionary<string, string?>(databases.Settings) { ["Api:Limits:PerClientPerMinute"] = "2" });
        var client = factory.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", databases.ApiKey);
        var body = new { regime = "gdpr", type = "access", email = "limit@example.org" };

        var first = await client.PostAsJsonAsync("/api/v1/requests", body);
        var second = await client.PostAsJsonAsync("/api/v1/requests", body);
        var before = await CountAsync();
        var third = await client.PostAsJsonAsync("/api/v1/requests", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(before, await CountAsync());
    }
}
