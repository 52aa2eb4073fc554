using System.Security.Cryptography;
using System.Text;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Validation;
using Microsoft.AspNetCore.DataProtection;

namespace Governance.Core.Requests;

/// <summary>A corrected value the person gave: the map's field (collection and column) or a field described in words.</summary>
public sealed record Correction(Guid Id, string? Collection, string Field, string Value, DateTimeOffset AddedAt, string AddedBy);

/// <summary>One step of a rectification plan: where the corrected value would be written, or why the console cannot.</summary>
/// <param name="Targets">The stores and account ids whose row would be updated (from the request's store search).</param>
/// <param name="Why">Why the field cannot be updated by the console (null when it can).</param>
public sealed record CorrectionStep(Correction Correction, string? Table, string? Column, IReadOnlyList<(string Store, string PersonId)> Targets, string? Why)
{
    public bool Updatable => Why is null;
}

/// <summary>A field of the data map a person may ask to correct.</summary>
public sealed record CorrectableField(string Collection, string Column, FieldCategory Category);

/// <summary>
/// Rectification (GDPR Art. 16; CCPA right to correct): the corrected values are recorded with the request, encrypted
/// like attachments and audited without their content; the plan says, field by field, where the map lets the value be
/// updated (a plain column of a collection with one row per person, found by the store search) and where it does not
/// (message content, JSON inside a column, credentials, a field the map does not have: a supplementary statement or
/// work in the chat system instead). The console does not write corrections to the stores.
/// </summary>
public sealed class RequestCorrections(GovernanceDatabase database, AuditLog audit, IDataProtectionProvider protection, DataMapCatalog maps, TimeProvider time)
{
    public const int MaxValue = 1000;

    private IDataProtector Protector => protection.CreateProtector("Governance.Requests.Corrections.v1");

    /// <summary>The fields a person may ask to correct, as the data maps name them (one row per person: the subject collections).</summary>
    public IReadOnlyList<CorrectableField> Fields() =>
        maps.Load().Maps.SelectMany(m => m.Collections.Where(c => c.Subject).SelectMany(c => c.Fields.Where(f => !f.IsJson).Select(f => new CorrectableField(c.Name, f.Column, f.Category))))
            .DistinctBy(f => (f.Collection, f.Column)).ToList();

    public async Task<Guid> AddAsync(Guid requestId, string? collection, string? field, string? value, AuditActor actor, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(field) || field.Trim().Length > 200)
        {
            errors["field"] = "Name the field to correct (from the list, or in words).";
        }
        else if (collection is not null && !maps.Load().Maps.Any(m => m.Find(collection)?.Fields.Any(f => f.Column == field) == true))
        {
            errors["field"] = "The data map has no such field: choose one from the list, or describe it in words.";
        }

        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxValue)
        {
            errors["value"] = "Give the corrected value (1 to 1,000 characters).";
        }

        ValidationException.ThrowIfAny("correction", errors);
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var bytes = Encoding.UTF8.GetBytes(value!);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var state = await RequestWork.MustExistAsync(connection, tx, requestId, ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.request_corrections (id, request_id, collection, field, protected, sha256, added_at, added_by)
            values (@id, @requestId, @collection, @field, @protectedValue, @hash, @now, @by)
            """, new { id, requestId, collection, field = field!.Trim(), protectedValue = Protector.Protect(bytes), hash = SHA256.HashData(bytes), now, by = actor.Id }, tx, cancellationToken: ct));
        await RequestWork.RecordAsync(connection, tx, requestId, state, "Correction", $"Corrected value recorded for {(collection is null ? "a field described in words" : $"{collection}.{field}")}", actor, now, ct);
        await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.correction.add", AuditOutcome.Success, "request", requestId.ToString("D"), requestId.ToString("D"),
            new Dictionary<string, object?> { ["collection"] = collection, ["mapped"] = collection is not null }), ct);
        await tx.CommitAsync(ct);
        audit.Committed();
        return id;
    }

    public async Task<IReadOnlyList<Correction>> ListAsync(Guid requestId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(Guid Id, string? Collection, string Field, byte[] Protected, DateTime At, string By)>(new CommandDefinition(
            "select id, collection, field, protected, added_at, added_by from gov.request_corrections where request_id = @requestId order by added_at, id",
            new { requestId }, cancellationToken: ct));
        return rows.Select(r => new Correction(r.Id, r.Collection, r.Field, Encoding.UTF8.GetString(Protector.Unprotect(r.Protected)), DbTime.Utc(r.At), r.By)).ToList();
    }

    /// <summary>The plan: each correction, where it would be written (store, table, column, accounts), or why the console cannot.</summary>
    public async Task<IReadOnlyList<CorrectionStep>> PlanAsync(Guid requestId, IReadOnlyList<PersonMatch> found, CancellationToken ct)
    {
        var corrections = await ListAsync(requestId, ct);
        var set = maps.Load();
        var steps = new List<CorrectionStep>();
        foreach (var c in corrections)
        {
            var map = c.Collection is null ? null : set.Maps.FirstOrDefault(m => m.Find(c.Collection) is not null);
            var collection = map?.Find(c.Collection!);
            var mapField = collection?.Fields.FirstOrDefault(f => f.Column == c.Field);
            var targets = map is null ? [] : found.Where(f => map.Stores.Contains(f.Store)).SelectMany(f => f.PersonIds.Select(id => (f.Store, id))).ToList();
            var why = (collection, mapField) switch
            {
                (null, _) or (_, null) => "The data map has no such field: correct it in the chat system, or add a supplementary statement.",
                _ when !collection.Subject => "The field is in other people's records too (not one row per person): add a supplementary statement instead.",
                _ when mapField.IsJson => "The field is inside a JSON document: the console does not update it.",
                _ when mapField.Category == FieldCategory.Credentials => "Credentials are changed by the person, not corrected by staff.",
                _ when collection.Key.Count != 1 => "The collection's rows are not found by one id: the console cannot name the row.",
                _ when targets.Count == 0 => "The store search found no account of the person: search the chat stores first.",
                _ => null,
            };
            steps.Add(new CorrectionStep(c, collection?.Table, mapField?.Column, why is null ? targets : [], why));
        }

        return steps;
    }
}
