using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Validation;
using Microsoft.Extensions.Options;

namespace Governance.Core.Requests;

public static class RequestTypes
{
    public static readonly string[] All = ["access", "portability", "erasure", "rectification", "restriction", "objection", "opt-out", "limit-sensitive"];
}

/// <summary>A request as it arrives, from the API or typed in by staff.</summary>
public sealed record NewRequest(
    string? Regime,
    string? Type,
    string? Email,
    string? Phone,
    string? UserId,
    bool AuthorisedAgent,
    DateTimeOffset? ReceivedAt,
    string? AgentName = null,
    string? AgentEvidence = null,
    string? StaffNote = null);

public static class RequestChannels
{
    /// <summary>The ways staff receive requests outside the API.</summary>
    public static readonly string[] Staff = ["email", "letter", "phone"];
}

/// <summary>The idempotency key was used before with a different request.</summary>
public sealed class IdempotencyConflictException() : Exception("This Idempotency-Key was already used for a different request.");

public sealed record SubmittedRequest(Guid Id, string Reference, string State, DateOnly DueOn, DateTimeOffset DueAt, DateOnly? AcknowledgeBy, bool Replayed);

/// <summary>The regimes in force, from <c>policies/regulations.yaml</c> beside the data maps.</summary>
public sealed class RegulationsCatalog(IOptions<Governance.Core.DataMap.DataMapOptions> options)
{
    private readonly Lazy<IReadOnlyList<Regime>> _regimes = new(() =>
    {
        var file = Path.Combine(Path.GetDirectoryName(options.Value.ResolveDirectory())!, "regulations.yaml");
        var (regimes, problems) = RegulationsLoader.Load(file, File.ReadAllText(file));
        return problems.Count == 0
            ? regimes
            : throw new InvalidOperationException($"{file} has {problems.Count} problems, the first: {problems[0]}");
    });

    public IReadOnlyList<Regime> Regimes => _regimes.Value;

    public Regime? Find(string code) => Regimes.FirstOrDefault(r => r.Code == code);
}

/// <summary>
/// Intake of a data-subject request: validated field by field, deadlines computed from the regime's clock,
/// stored and audited in one transaction. A retry with the same idempotency key and the same request returns
/// the first one; with a different request it is refused.
/// </summary>
public sealed class RequestIntake(GovernanceDatabase database, AuditLog audit, RegulationsCatalog regulations, TimeProvider time)
{
    public async Task<SubmittedRequest> SubmitAsync(NewRequest request, string channel, AuditActor actor, long? clientId, string? idempotencyKey, CancellationToken ct)
    {
        var errors = Validate(request, channel, idempotencyKey);
        ValidationException.ThrowIfAny("request", errors);

        var regime = regulations.Find(request.Regime!)!;
        var email = request.Email?.Trim();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', request.Regime, request.Type, email?.ToLowerInvariant(), request.Phone, request.UserId, request.AuthorisedAgent, request.ReceivedAt?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture))));
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (idempotencyKey is not null)
        {
            // Serialise retries of one key so that two at once cannot both insert.
            await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(hashtext(@k))", new { k = $"{clientId}/{idempotencyKey}" }, tx, cancellationToken: ct));
            var earlier = await connection.QuerySingleOrDefaultAsync<(Guid Id, string Reference, string State, DateTime DueOn, DateTime DueAt, DateTime? Ack, byte[] Hash)?>(new CommandDefinition("""
                select id, reference, state, due_on, due_at, acknowledge_by, body_hash from gov.requests
                where client_id is not distinct from @clientId and idempotency_key = @idempotencyKey
                """, new { clientId, idempotencyKey }, tx, cancellationToken: ct));
            if (earlier is { } e)
            {
                return e.Hash.AsSpan().SequenceEqual(hash)
                    ? new SubmittedRequest(e.Id, e.Reference, e.State, DateOnly.FromDateTime(e.DueOn), DbTime.Utc(e.DueAt),
                        e.Ack is { } a ? DateOnly.FromDateTime(a) : null, Replayed: true)
                    : throw new IdempotencyConflictException();
            }
        }

        var receivedAt = request.ReceivedAt ?? time.GetUtcNow();
        RequestDeadlines deadlines;
        try
        {
            deadlines = DeadlineCalculator.For(regime, receivedAt);
        }
        catch (CalendarMissingException ex)
        {
            throw ValidationException.For("request", "receivedAt", ex.Message);
        }

        var id = Guid.CreateVersion7(time.GetUtcNow());
        var number = await connection.ExecuteScalarAsync<long>(new CommandDefinition("select nextval('gov.request_number_seq')", transaction: tx, cancellationToken: ct));
        var reference = string.Create(CultureInfo.InvariantCulture, $"DSR-{deadlines.ReceivedOn:yyyy}-{number:D6}");
        const string state = nameof(RequestState.Received);
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.requests (id, reference, regime, type, state, channel, subject_email, subject_phone, subject_user_id, authorised_agent,
                                      received_at, received_on, due_on, due_at, acknowledge_by, client_id, idempotency_key, body_hash,
                                      agent_name, agent_evidence, staff_note)
            values (@id, @reference, @regime, @type, @state, @channel, @email, @phone, @userId, @agent,
                    @receivedAt, @receivedOn, @dueOn, @dueAt, @ack, @clientId, @idempotencyKey, @hash,
                    @agentName, @agentEvidence, @staffNote)
            """, new
        {
            id, reference, regime = regime.Code, type = request.Type, state, channel, email, phone = request.Phone, userId = request.UserId, agent = request.AuthorisedAgent,
            receivedAt = receivedAt.ToUniversalTime(), receivedOn = deadlines.ReceivedOn, dueOn = deadlines.Answer.LastDay, dueAt = deadlines.Answer.EndsAt.ToUniversalTime(), ack = deadlines.Acknowledge?.LastDay,
            clientId, idempotencyKey, hash,
            agentName = Input.Blank(request.AgentName), agentEvidence = Input.Blank(request.AgentEvidence), staffNote = Input.Blank(request.StaffNote),
        }, tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.create", AuditOutcome.Success, "request", id.ToString("D"), id.ToString("D"),
            new Dictionary<string, object?> { ["regime"] = regime.Code, ["type"] = request.Type, ["channel"] = channel, ["dueOn"] = deadlines.Answer.LastDay, ["agent"] = request.AuthorisedAgent }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return new SubmittedRequest(id, reference, state, deadlines.Answer.LastDay, deadlines.Answer.EndsAt, deadlines.Acknowledge?.LastDay, Replayed: false);
    }

    private ValidationErrors Validate(NewRequest r, string channel, string? idempotencyKey)
    {
        var errors = new ValidationErrors();
        if (channel != "api" && !RequestChannels.Staff.Contains(channel))
        {
            errors["channel"] = $"Use one of: {string.Join(", ", RequestChannels.Staff)}.";
        }

        if (r.AuthorisedAgent && channel != "api" && string.IsNullOrWhiteSpace(r.AgentName))
        {
            errors["agentName"] = "Name the authorised agent acting for the person.";
        }

        if (!r.AuthorisedAgent && (!string.IsNullOrWhiteSpace(r.AgentName) || !string.IsNullOrWhiteSpace(r.AgentEvidence)))
        {
            errors["authorisedAgent"] = "Tick 'authorised agent' when an agent acts for the person, or leave the agent fields empty.";
        }

        foreach (var (field, value, max) in new[] { ("agentName", r.AgentName, 200), ("agentEvidence", r.AgentEvidence, 2000), ("staffNote", r.StaffNote, 2000) })
        {
            if (value is { } v && v.Length > max)
            {
                errors[field] = $"At most {max:N0} characters.";
            }
        }

        if (string.IsNullOrWhiteSpace(r.Regime) || regulations.Find(r.Regime) is null)
        {
            errors["regime"] = $"Use one of: {string.Join(", ", regulations.Regimes.Select(x => x.Code))}.";
        }

        if (string.IsNullOrWhiteSpace(r.Type) || !RequestTypes.All.Contains(r.Type))
        {
            errors["type"] = $"Use one of: {string.Join(", ", RequestTypes.All)}.";
        }

        if (r.Email is not null && !ContactFormats.IsEmail(r.Email))
        {
            errors["email"] = "Not a valid e-mail address.";
        }

        if (r.Phone is not null && !ContactFormats.IsPhone(r.Phone))
        {
            errors["phone"] = "Use the international form, e.g. +447700900123.";
        }

        if (r.UserId is not null && !AuditRecord.IsIdentifier(r.UserId, 200))
        {
            errors["userId"] = "An id of letters, digits, '_', '.', ':' or '-' (at most 200).";
        }

        if (r.Email is null && r.Phone is null && r.UserId is null)
        {
            errors["email"] = "Give the person's e-mail, phone or user id.";
        }

        if (r.ReceivedAt is { } at && (at > time.GetUtcNow().AddMinutes(5) || at < time.GetUtcNow().AddYears(-2)))
        {
            errors["receivedAt"] = "The date of receipt must be within the last two years and not in the future.";
        }

        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > 100 || !AuditRecord.IsIdentifier(idempotencyKey, 100)))
        {
            errors["Idempotency-Key"] = "At most 100 letters, digits, '_', '.', ':' or '-'.";
        }

        return errors;
    }
}

/// <summary>API clients (the chat system forwarding signed-in users' requests), identified by a key stored only as its hash.</summary>
public sealed class ApiClients(GovernanceDatabase database, AuditLog audit)
{
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Creates a client and returns its key, shown once.</summary>
    public async Task<(long Id, string Key)> AddAsync(string name, AuditActor actor, CancellationToken ct)
    {
        if (!AuditRecord.IsIdentifier(name, 100))
        {
            throw ValidationException.For("API client", "name", "Letters, digits, '_', '.', ':' or '-' (at most 100).");
        }

        var key = "gov_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "insert into gov.api_clients (name, key_hash) values (@name, @hash) on conflict do nothing returning id", new { name, hash = Hash(key) }, tx, cancellationToken: ct))
            ?? throw ValidationException.For("API client", "name", "An API client with this name already exists.");
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "api-client.create", AuditOutcome.Success, "api-client", id.ToString(CultureInfo.InvariantCulture)), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return (id, key);
    }

    /// <summary>
    /// Revokes a client: its key (or, for <c>oauth:…</c>, its OAuth client) is refused from the next call on; its
    /// requests and their history stay. Audited; revoking a revoked client changes nothing.
    /// </summary>
    public async Task RevokeAsync(string name, AuditActor actor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var client = await connection.QuerySingleOrDefaultAsync<(long Id, DateTime? RevokedAt)?>(new CommandDefinition(
            "select id, revoked_at from gov.api_clients where name = @name for update", new { name = (name ?? "").Trim() }, tx, cancellationToken: ct))
            ?? throw ValidationException.For("API client", "name", "No API client has this name.");
        if (client.RevokedAt is not null)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition("update gov.api_clients set revoked_at = now() where id = @id", new { id = client.Id }, tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "api-client.revoke", AuditOutcome.Success, "api-client", client.Id.ToString(CultureInfo.InvariantCulture)), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
    }

    /// <summary>
    /// The API client standing for an OAuth client (named <c>oauth:&lt;client id&gt;</c>), created at its first request.
    /// Its key hash is random: no API key opens it. Null when that client was revoked.
    /// </summary>
    public async Task<long?> EnsureOAuthClientAsync(string oauthClientId, CancellationToken ct)
    {
        var name = $"oauth:{oauthClientId}";
        await using var connection = await database.OpenAsync(ct);
        var existing = await connection.QuerySingleOrDefaultAsync<(long Id, DateTime? Revoked)?>(new CommandDefinition(
            "select id, revoked_at from gov.api_clients where name = @name", new { name }, cancellationToken: ct));
        if (existing is { } e)
        {
            return e.Revoked is null ? e.Id : null;
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "insert into gov.api_clients (name, key_hash) values (@name, @hash) on conflict (name) do nothing returning id",
            new { name, hash = RandomNumberGenerator.GetBytes(32) }, tx, cancellationToken: ct));
        if (id is null)
        {
            await tx.RollbackAsync(ct);
            return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "select id from gov.api_clients where name = @name and revoked_at is null", new { name }, cancellationToken: ct));
        }

        await audit.AppendAsync(connection, tx, new AuditRecord(AuditActor.System("api"), "api-client.create", AuditOutcome.Success, "api-client", id.Value.ToString(CultureInfo.InvariantCulture),
            null, new Dictionary<string, object?> { ["kind"] = "oauth" }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return id;
    }

    /// <summary>The id of the client holding this key, or null (unknown or revoked).</summary>
    public async Task<long?> AuthenticateAsync(string? key, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 200)
        {
            return null;
        }

        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "select id from gov.api_clients where key_hash = @hash and revoked_at is null", new { hash = Hash(key) }, cancellationToken: ct));
    }
}
