using Governance.Core.Audit;
using Governance.Core.Requests;
using Governance.Core.Validation;

namespace Governance.Web.Requests;

/// <summary>The body of <c>POST /api/v1/requests</c>.</summary>
public sealed record RequestBody(string? Regime, string? Type, string? Email, string? Phone, string? UserId, bool AuthorisedAgent, DateTimeOffset? ReceivedAt);

public static class RequestEndpoints
{
    public const string ApiKeyHeader = "X-Api-Key";
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>
    /// Intake from the chat system: a client authenticates with its API key (stored hashed); a retry with the same
    /// Idempotency-Key returns the first request (200), a new one is created (201). Errors are problem details that
    /// name the field; nothing is written then.
    /// </summary>
    public static IEndpointRouteBuilder MapRequestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/requests", async (HttpContext http, RequestIntake intake, ApiClients clients, IntakeLimits limits, Microsoft.Extensions.Options.IOptions<ApiOAuthOptions> oauth, CancellationToken ct) =>
        {
            // Cheapest checks first: the address's rate, the client's key, the client's rate; only then the body is read.
            if (limits.ForAddress(http) is { } tooMany)
            {
                return tooMany;
            }

            var (clientId, refused) = await ClientAsync(http, clients, oauth.Value, ct);
            if (refused is not null)
            {
                return refused;
            }

            if (limits.ForClient(http, clientId!.Value) is { } tooManyForClient)
            {
                return tooManyForClient;
            }

            var (body, problem) = await ReadBodyAsync(http, limits.MaxBodyBytes, ct);
            if (problem is not null)
            {
                return problem;
            }

            var key = http.Request.Headers[IdempotencyHeader].ToString();
            var actor = new AuditActor(AuditActorType.System, $"api-client:{clientId}", [], Audit.WebAuditActor.ClientAddress(http));
            try
            {
                var result = await intake.SubmitAsync(new NewRequest(body!.Regime, body.Type, body.Email, body.Phone, body.UserId, body.AuthorisedAgent, body.ReceivedAt),
                    "api", actor, clientId, string.IsNullOrEmpty(key) ? null : key, ct);
                // Dates as the store keeps them (UTC, microseconds): a retry, answered from the store, gets the same bytes.
                var dueAt = new DateTimeOffset(result.DueAt.UtcTicks - (result.DueAt.UtcTicks % 10), TimeSpan.Zero);
                var answer = new { id = result.Id, reference = result.Reference, state = result.State, dueOn = result.DueOn, dueAt, acknowledgeBy = result.AcknowledgeBy };
                return result.Replayed ? Results.Ok(answer) : Results.Created($"/api/v1/requests/{result.Id}", answer);
            }
            catch (ValidationException ex)
            {
                return Results.ValidationProblem(ex.Errors.ToDictionary(e => e.Key, e => e.Value));
            }
            catch (IdempotencyConflictException ex)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { [IdempotencyHeader] = [ex.Message] });
            }
        }).AllowAnonymous().DisableAntiforgery();

        // The state of a request, for the client that submitted it (the Location of a 201): no personal data.
        app.MapGet("/api/v1/requests/{id:guid}", async (HttpContext http, Guid id, RequestWork work, ApiClients clients, IntakeLimits limits, Microsoft.Extensions.Options.IOptions<ApiOAuthOptions> oauth, CancellationToken ct) =>
        {
            var (clientId, refused) = await LimitedClientAsync(http, clients, limits, oauth.Value, ct);
            if (refused is not null)
            {
                return refused;
            }

            var status = await work.StatusForClientAsync(id, clientId!.Value, ct);
            return status is null
                ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "This client submitted no request with this id.")
                : Results.Ok(new { id, reference = status.Reference, state = status.State, dueOn = status.DueOn, acknowledgeBy = status.AcknowledgeBy, denialBasis = status.DenialBasis, denialReason = status.DenialReason });
        }).AllowAnonymous();

        // Restrictions of processing and upheld objections changed at or after 'since' (all without it), for the chat system to
        // honour: the accounts by store and user id, whether in force, and the request's reference. Ask again from 'next'.
        app.MapGet("/api/v1/restrictions", async (HttpContext http, Restrictions restrictions, ApiClients clients, IntakeLimits limits, Microsoft.Extensions.Options.IOptions<ApiOAuthOptions> oauth, CancellationToken ct) =>
        {
            var (_, refused) = await LimitedClientAsync(http, clients, limits, oauth.Value, ct);
            if (refused is not null)
            {
                return refused;
            }

            DateTimeOffset? since = null;
            if (http.Request.Query["since"].ToString() is { Length: > 0 } text)
            {
                if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var parsed)
                    || !System.Text.RegularExpressions.Regex.IsMatch(text, "(Z|[+-][0-9]{2}:[0-9]{2})$"))
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["since"] = ["An ISO 8601 instant with its offset, e.g. 2026-11-30T12:00:00Z."] });
                }

                since = parsed;
            }

            var feed = await restrictions.ChangedSinceAsync(since, ct);
            return Results.Ok(new
            {
                restrictions = feed.Flags.Select(f => new
                {
                    id = f.Id, kind = f.Kind, request = f.RequestReference, inForce = f.InForce, appliedAt = f.AppliedAt, liftedAt = f.LiftedAt, changedAt = f.ChangedAt,
                    accounts = f.Accounts.Select(a => new { store = a.Store, userId = a.UserId }),
                }),
                next = feed.Next,
            });
        }).AllowAnonymous();

        // The submitting client asks for an approved request to be carried out: an erasure request erased, an access or
        // portability request exported. Checked as on the request page, moved to Processing, handed to the job server.
        app.MapPost("/api/v1/requests/{id:guid}/erasure", (HttpContext http, Guid id, CancellationToken ct) =>
            StartForClientAsync(http, id, "erasure", ct)).AllowAnonymous().DisableAntiforgery();
        app.MapPost("/api/v1/requests/{id:guid}/export", (HttpContext http, Guid id, CancellationToken ct) =>
            StartForClientAsync(http, id, "export", ct)).AllowAnonymous().DisableAntiforgery();

        // An access package, decrypted as it is sent, through a link signed for the person; 410 once it has expired.
        app.MapGet("/exports/{id:guid}.zip", (HttpContext http, Guid id, Governance.Core.Exports.RequestExport export, Security.DownloadLinks links, CancellationToken ct) =>
            PackageDownloadAsync(http, id, export, links, "export.download", (package, _) => Task.FromResult<(string?, IResult)>(
                package.State != "ready" || package.ExpiresAt <= DateTimeOffset.UtcNow
                    ? ("expired", Results.Problem(statusCode: StatusCodes.Status410Gone, title: "Expired", detail: "This package has expired and was deleted; export the request again."))
                    : (package.Sha256, new StreamedResult(body => export.OpenAsync(package, body, ct), $"personal-data-{package.Region}-{id:N}.zip"))), ct))
            .RequireAuthorization(Authentication.GovernancePolicies.Requests);

        // The password-protected copy for the person, sent as kept (it is encrypted under its password); audited.
        app.MapGet("/exports/{id:guid}/person-copy.zip", (HttpContext http, Guid id, Governance.Core.Exports.RequestExport export,
            Governance.Core.Exports.PersonCopy copies, Security.DownloadLinks links, CancellationToken ct) =>
            PackageDownloadAsync(http, id, export, links, "export.person-copy.download", async (package, _) =>
            {
                var copy = await copies.OpenAsync(package, ct);
                return copy is null
                    ? ((string?)(package.State == "ready" ? "no-copy" : "expired"), Results.Problem(statusCode: StatusCodes.Status410Gone, title: "Not available",
                        detail: "This copy has expired and was deleted, or none was made; make it again from the request's page."))
                    : (copy.Value.Sha256, (IResult)Results.File(copy.Value.Content, "application/zip", $"personal-data-{package.Region}-protected.zip"));
            }, ct)).RequireAuthorization(Authentication.GovernancePolicies.Requests);

        // A stored attachment, decrypted for someone who may work on requests; the download is audited.
        app.MapGet("/requests/{requestId:guid}/attachments/{attachmentId:guid}", async (HttpContext http, Guid requestId, Guid attachmentId, RequestAttachments attachments, Security.DownloadLinks links, CancellationToken ct) =>
        {
            if (!links.IsValid(http))
            {
                return Security.DownloadLinks.Refused();
            }

            var file = await attachments.OpenAsync(requestId, attachmentId, Audit.WebAuditActor.From(http.User, http), ct);
            if (file is null)
            {
                return Results.NotFound();
            }

            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers["X-Content-Type-Options"] = "nosniff";
            return Results.File(file.Content, file.ContentType, file.FileName);
        }).RequireAuthorization(Authentication.GovernancePolicies.Requests);
        return app;
    }

    /// <summary>A download's answer: a problem (the reason is audited as a denial), or the file (its hash audited with the success).</summary>
    private sealed class StreamedResult(Func<Stream, Task<bool>> write, string fileName) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "application/zip";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
            await write(http.Response.Body);
        }
    }

    /// <summary>
    /// A package's file through a link signed for the person: refused without a valid link, 404 for no such package;
    /// then <paramref name="answer"/> says what to send (with the hash to audit) or why not (audited as denied).
    /// </summary>
    private static async Task<IResult> PackageDownloadAsync(HttpContext http, Guid id, Governance.Core.Exports.RequestExport export, Security.DownloadLinks links, string action,
        Func<Governance.Core.Exports.ExportPackage, AuditActor, Task<(string? Detail, IResult Result)>> answer, CancellationToken ct)
    {
        if (!links.IsValid(http))
        {
            return Security.DownloadLinks.Refused();
        }

        var package = await export.FindAsync(id, ct);
        if (package is null)
        {
            return Results.NotFound();
        }

        var actor = Audit.WebAuditActor.From(http.User, http);
        var audit = http.RequestServices.GetRequiredService<AuditLog>();
        var (detail, result) = await answer(package, actor);
        var sent = result is StreamedResult or IFileHttpResult;
        await audit.AppendAsync(new AuditRecord(actor, action, sent ? AuditOutcome.Success : AuditOutcome.Denied, "export", id.ToString("D"), package.RequestId.ToString("D"),
            sent ? new Dictionary<string, object?> { ["store"] = package.Store, ["sha256"] = detail } : new Dictionary<string, object?> { ["reason"] = detail }), ct);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        return result;
    }

    /// <summary>Starts a client's own approved request (erasure or export): 202 and the state, 409 naming the field, 404 for another client's request.</summary>
    private static async Task<IResult> StartForClientAsync(HttpContext http, Guid id, string what, CancellationToken ct)
    {
        var services = http.RequestServices;
        if (services.GetRequiredService<IntakeLimits>().ForAddress(http) is { } tooMany)
        {
            return tooMany;
        }

        var (clientId, refused) = await ClientAsync(http, services.GetRequiredService<ApiClients>(), services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiOAuthOptions>>().Value, ct);
        if (refused is not null)
        {
            return refused;
        }

        var work = services.GetRequiredService<RequestWork>();
        if (await work.StatusForClientAsync(id, clientId!.Value, ct) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "This client submitted no request with this id.");
        }

        var actor = new AuditActor(AuditActorType.System, $"api-client:{clientId}", [], Audit.WebAuditActor.ClientAddress(http));
        var jobs = services.GetRequiredService<Hangfire.IBackgroundJobClient>();
        try
        {
            if (what == "erasure")
            {
                await services.GetRequiredService<Governance.Core.Erasure.RequestErasure>().StartAsync(id, actor, ct);
                Hangfire.BackgroundJobClientExtensions.Enqueue<Governance.Jobs.Erasure.ErasureJob>(jobs, j => j.RunAsync(id, CancellationToken.None));
            }
            else
            {
                await services.GetRequiredService<Governance.Core.Exports.RequestExport>().StartAsync(id, actor, ct);
                Hangfire.BackgroundJobClientExtensions.Enqueue<Governance.Jobs.Exports.ExportJob>(jobs, j => j.RunAsync(id, CancellationToken.None));
            }
        }
        catch (ValidationException ex)
        {
            return Results.ValidationProblem(ex.Errors.ToDictionary(e => e.Key, e => e.Value), statusCode: StatusCodes.Status409Conflict, title: $"The {what} cannot start");
        }
        catch (InvalidTransitionException ex)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["state"] = [ex.Message] }, statusCode: StatusCodes.Status409Conflict, title: $"The {what} cannot start");
        }

        var status = await work.StatusForClientAsync(id, clientId.Value, ct);
        return Results.Accepted($"/api/v1/requests/{id}", new { id, reference = status!.Reference, state = status.State });
    }

    /// <summary>
    /// The JSON body, read only up to the limit: a declared or actual length above it is refused (413) without reading
    /// the rest; malformed JSON is a validation problem naming the body.
    /// </summary>
    private static async Task<(RequestBody? Body, IResult? Problem)> ReadBodyAsync(HttpContext http, int maxBytes, CancellationToken ct)
    {
        // JSON only, said as every other error is said (problem details), before a byte of the body is read.
        if (!System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
            || !(type.MediaType is "application/json" || (type.MediaType?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) ?? false)))
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send JSON",
                detail: "The request body is a JSON object sent with Content-Type: application/json."));
        }

        var tooLarge = Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large",
            detail: $"A request body holds at most {maxBytes:N0} bytes.");
        if (http.Request.ContentLength > maxBytes)
        {
            return (null, tooLarge);
        }

        var buffer = new byte[maxBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await http.Request.Body.ReadAsync(buffer.AsMemory(read), ct)) > 0)
        {
            read += n;
        }

        if (read > maxBytes)
        {
            return (null, tooLarge);
        }

        try
        {
            var body = read == 0 ? null : System.Text.Json.JsonSerializer.Deserialize<RequestBody>(buffer.AsSpan(0, read), BodyJson);
            return body is null
                ? (null, Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the request as a JSON object."] }))
                : (body, null);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Not valid JSON, or a field of the wrong type."] }));
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions BodyJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>A read by an API client: the address's rate first (429), then the client (401), as for intake.</summary>
    private static async Task<(long? ClientId, IResult? Refused)> LimitedClientAsync(HttpContext http, ApiClients clients, IntakeLimits limits, ApiOAuthOptions oauth, CancellationToken ct) =>
        limits.ForAddress(http) is { } tooMany ? (null, tooMany) : await ClientAsync(http, clients, oauth, ct);

    /// <summary>
    /// The API client calling: by API key, or by an OAuth 2.0 client-credentials token whose client becomes (once) an
    /// API client of its own, so that idempotency keys and the audit log work per client as with keys.
    /// </summary>
    private static async Task<(long? ClientId, IResult? Refused)> ClientAsync(HttpContext http, ApiClients clients, ApiOAuthOptions oauth, CancellationToken ct)
    {
        long? clientId;
        string? problem = null;
        if (http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            (var oauthClient, problem) = await ApiOAuth.AuthenticateAsync(http, oauth);
            clientId = oauthClient is null ? null : await clients.EnsureOAuthClientAsync(oauthClient, ct);
        }
        else
        {
            clientId = await clients.AuthenticateAsync(http.Request.Headers[ApiKeyHeader].ToString(), ct);
        }

        return clientId is not null
            ? (clientId, null)
            : (null, Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: problem ?? $"Send a valid API key in the {ApiKeyHeader} header, or an OAuth access token as 'Authorization: Bearer'."));
    }
}
