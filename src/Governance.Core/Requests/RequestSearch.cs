using System.Text.Json;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;

namespace Governance.Core.Requests;

/// <summary>The latest store search of a request: when, by whom, and where the person was found (one line per store).</summary>
public sealed record RequestSearchResult(DateTimeOffset SearchedAt, string SearchedBy, IReadOnlyList<PersonMatch> Matches);

/// <summary>
/// Searches the chat stores for the person of a request through every identity it gives (e-mail, phone, user id),
/// one line per store, and keeps the result with the request (<c>gov.request_searches</c>): it is still there when
/// the page is opened again, by anyone who works on the request. Each identity's search is audited (person.search).
/// </summary>
public sealed class RequestSearch(FindPerson finder, GovernanceDatabase database, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<RequestSearchResult> SearchAsync(Guid requestId, string? email, string? phone, string? userId, AuditActor actor, CancellationToken ct)
    {
        var matches = new List<PersonMatch>();
        foreach (var (kind, value) in new (IdentityKind Kind, string? Value)[] { (IdentityKind.Email, email), (IdentityKind.Phone, phone), (IdentityKind.UserId, userId) })
        {
            if (value is not null)
            {
                matches.AddRange(await finder.SearchAsync(kind, value, actor, requestId, ct));
            }
        }

        // One line per store: the ids found through any of the identities, the largest row count.
        var merged = matches.GroupBy(m => (m.Store, m.Region)).Select(g => new PersonMatch(g.Key.Store, g.Key.Region,
            g.SelectMany(m => m.PersonIds).Distinct(StringComparer.Ordinal).ToList(),
            g.OrderByDescending(m => m.RowsByCollection.Values.Sum()).First().RowsByCollection,
            g.All(m => m.Problem is not null) ? g.First().Problem : null)).ToList();
        var result = new RequestSearchResult(time.GetUtcNow(), actor.Id, merged);
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.request_searches (request_id, searched_at, searched_by, results) values (@requestId, @at, @by, @results::jsonb)
            on conflict (request_id) do update set searched_at = excluded.searched_at, searched_by = excluded.searched_by, results = excluded.results
            """, new { requestId, at = result.SearchedAt, by = actor.Id, results = JsonSerializer.Serialize(merged, Json) }, cancellationToken: ct));
        return result;
    }

    /// <summary>The request's latest search, or null when nobody has searched yet.</summary>
    public async Task<RequestSearchResult?> LatestAsync(Guid requestId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(DateTime At, string By, string Results)?>(new CommandDefinition(
            "select searched_at, searched_by, results::text from gov.request_searches where request_id = @requestId", new { requestId }, cancellationToken: ct));
        if (row is not { } r)
        {
            return null;
        }

        var matches = JsonSerializer.Deserialize<List<StoredMatch>>(r.Results, Json) ?? [];
        return new RequestSearchResult(DbTime.Utc(r.At), r.By,
            matches.Select(m => new PersonMatch(m.Store, m.Region, m.PersonIds, m.RowsByCollection, m.Problem)).ToList());
    }

    private sealed record StoredMatch(string Store, string Region, List<string> PersonIds, Dictionary<string, long> RowsByCollection, string? Problem);
}
