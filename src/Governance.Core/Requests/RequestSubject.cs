using Dapper;
using Governance.Core.Database;
using Governance.Core.DataMap;

namespace Governance.Core.Requests;

/// <summary>What the jobs that carry out a request (export, erasure) need of it: its type, state and the person's identities.</summary>
public sealed record RequestSubject(Guid Id, string Reference, string Type, string State, string? Email, string? Phone, string? UserId)
{
    /// <summary>The identities the request gives, in the order they are tried: the user id, then e-mail, then phone.</summary>
    public IEnumerable<(IdentityKind Kind, string Value)> Identities =>
        new (IdentityKind Kind, string? Value)[] { (IdentityKind.UserId, UserId), (IdentityKind.Email, Email), (IdentityKind.Phone, Phone) }
            .Where(i => i.Value is not null).Select(i => (i.Kind, i.Value!));

    public static async Task<RequestSubject?> LoadAsync(GovernanceDatabase database, Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<RequestSubject>(new CommandDefinition("""
            select id as Id, reference as Reference, type as Type, state as State, subject_email as Email, subject_phone as Phone, subject_user_id as UserId
            from gov.requests where id = @id
            """, new { id }, cancellationToken: ct));
    }
}
