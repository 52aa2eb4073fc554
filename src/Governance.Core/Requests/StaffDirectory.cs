using Dapper;
using Governance.Core.Database;
using Governance.Core.Security;

namespace Governance.Core.Requests;

public sealed record StaffMember(string ActorId, string DisplayName, string? Email, IReadOnlyList<string> Roles);

/// <summary>
/// The console's staff as last seen at sign-in, whatever the sign-in mode: the people requests can be assigned to
/// and notices sent to. Only actor ids go to the audit log; names and e-mails stay here.
/// </summary>
public sealed class StaffDirectory(GovernanceDatabase database, TimeProvider time)
{
    /// <summary>Records (or refreshes) a member of staff; called at every sign-in.</summary>
    public async Task SeenAsync(string actorId, string displayName, string? email, IReadOnlyCollection<string> roles, CancellationToken ct, string? language = null)
    {
        var name = string.IsNullOrWhiteSpace(displayName) ? actorId : displayName.Trim();
        var mail = email is not null && ContactFormats.IsEmail(email) ? email.Trim() : null;
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.staff (actor_id, display_name, email, roles, last_seen_at, language) values (@actorId, @name, @mail, @roles, @at, @language)
            on conflict (actor_id) do update set display_name = excluded.display_name, email = coalesce(excluded.email, gov.staff.email),
                roles = excluded.roles, last_seen_at = excluded.last_seen_at, language = coalesce(gov.staff.language, excluded.language)
            """, new { actorId, name = name.Length > 200 ? name[..200] : name, mail, roles = roles.ToArray(), at = time.GetUtcNow(), language = Languages.Known(language) }, cancellationToken: ct));
    }

    /// <summary>Remembers the language a member of staff chose (their notice e-mails are written in it); an unknown one changes nothing.</summary>
    public async Task SetLanguageAsync(string actorId, string language, CancellationToken ct)
    {
        if (Languages.Known(language) is not { } known)
        {
            return;
        }

        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("update gov.staff set language = @known where actor_id = @actorId", new { actorId, known }, cancellationToken: ct));
    }

    /// <summary>Who may work on requests (the roles the Requests pages admit), by name.</summary>
    public async Task<IReadOnlyList<StaffMember>> AssignableAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string Id, string Name, string? Email, string[] Roles)>(new CommandDefinition(
            "select actor_id, display_name, email, roles from gov.staff where roles && @roles order by display_name, actor_id",
            new { roles = RequestRoles }, cancellationToken: ct));
        return rows.Select(r => new StaffMember(r.Id, r.Name, r.Email, r.Roles)).ToList();
    }

    public async Task<IReadOnlyDictionary<string, StaffMember>> ByIdAsync(IEnumerable<string> actorIds, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string Id, string Name, string? Email, string[] Roles)>(new CommandDefinition(
            "select actor_id, display_name, email, roles from gov.staff where actor_id = any(@ids)", new { ids = actorIds.Distinct().ToArray() }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Id, r => new StaffMember(r.Id, r.Name, r.Email, r.Roles));
    }

    /// <summary>The roles that work on requests: the Requests policy's roles (AccessMatrixTests keeps the two equal).</summary>
    public static readonly string[] RequestRoles = [Roles.PrivacyOfficer, Roles.Legal, Roles.Admin];
}
