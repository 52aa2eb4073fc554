using System.Globalization;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Validation;
using Microsoft.Extensions.Options;

namespace Governance.Core.Erasure;

/// <summary>What re-applying one ledger entry did: whether the person was in the restored store and what changed.</summary>
public sealed record ReplayedEntry(long Entry, Guid RequestId, DateTimeOffset ErasedAt, bool Found, long Changed, long Held);

public sealed record ReplayResult(Guid Id, string Store, DateTimeOffset Since, IReadOnlyList<ReplayedEntry> Entries)
{
    public long Changed => Entries.Sum(e => e.Changed);
}

/// <summary>
/// After a chat store is restored from a backup, the people erased since the backup are back in it. The ledger
/// names them by a keyed hash of their key only: the store's keys are hashed the same way, the matches are the
/// people to erase again, and each is erased by the map as it stands, holds respected, exactly as the first time
/// (batches, checkpoints, verification). A replay stopped midway resumes when it is run again.
/// </summary>
public sealed class ErasureReplay(
    GovernanceDatabase database,
    ChatStoreRegistry stores,
    DataMapCatalog maps,
    IOptions<DataMapOptions> mapOptions,
    StoreErasure runner,
    AuditLog audit)
{
    public async Task<ReplayResult> ReplayAsync(string storeName, DateTimeOffset since, AuditActor actor, CancellationToken ct)
    {
        var store = stores.All.FirstOrDefault(s => s.Name == storeName)
            ?? throw ValidationException.For("replay", "store", $"There is no chat store '{storeName}' (configured: {string.Join(", ", stores.All.Select(s => s.Name).Order(StringComparer.Ordinal))}).");
        var set = maps.Load();
        if (!set.Valid)
        {
            throw ValidationException.For("datamap", "maps", $"The data maps have {set.Problems.Count} problem(s) (first: {set.Problems[0]}); run './gov policies validate'.");
        }

        var map = set.Maps.FirstOrDefault(m => m.Stores.Contains(store.Name))
            ?? throw ValidationException.For("datamap", store.Name, $"No data map names store '{store.Name}'.");
        Pseudonyms pseudonyms;
        try
        {
            pseudonyms = Pseudonyms.FromSetting(mapOptions.Value.PseudonymKey);
        }
        catch (InvalidOperationException ex)
        {
            throw ValidationException.For("settings", "DataMap:PseudonymKey", ex.Message);
        }

        await using var connection = await database.OpenAsync(ct);
        var entries = (await connection.QueryAsync<(long Id, Guid RequestId, string Map, string Hash, DateTime ErasedAt)>(new CommandDefinition("""
            select id, request_id, map, subject_hash, erased_at from gov.erasure_ledger where store = @store and erased_at >= @since order by id
            """, new { store = store.Name, since = since.ToUniversalTime() }, cancellationToken: ct))).ToList();

        // A replay of the same store and time that stopped midway is resumed rather than begun again.
        var id = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "select id from gov.erasure_replays where store = @store and since = @since and finished_at is null order by started_at desc limit 1",
            new { store = store.Name, since = since.ToUniversalTime() }, cancellationToken: ct)) ?? Guid.CreateVersion7();
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.erasure_replays (id, store, since, started_at, started_by) values (@id, @store, @since, now(), @actor)
            on conflict (id) do nothing
            """, new { id, store = store.Name, since = since.ToUniversalTime(), actor = actor.Id }, cancellationToken: ct));

        var found = await FindByHashAsync(store, map, entries.Select(e => e.Hash).ToHashSet(StringComparer.Ordinal), pseudonyms, ct);
        var schema = await StoreSchema.LoadAsync(store.DataSource, ct);
        var kind = map.Identities.Any(i => i.Kind == IdentityKind.UserId) ? IdentityKind.UserId : map.Identities[0].Kind;
        var results = new List<ReplayedEntry>();
        foreach (var entry in entries)
        {
            var erasedAt = new DateTimeOffset(DateTime.SpecifyKind(entry.ErasedAt, DateTimeKind.Utc));
            if (entry.Map != map.Name || !found.TryGetValue(entry.Hash, out var key))
            {
                results.Add(new ReplayedEntry(entry.Id, entry.RequestId, erasedAt, false, 0, 0));
                continue;
            }

            // The plan as the map stands now; the identity is never used: the run finds the person by key.
            var plan = new DataMapPlanner(map, store.Name, schema).Erase(kind, "replay", pseudonyms);
            var run = await runner.RunAsync(entry.RequestId, store, map, plan, kind, ct, new ReplayOf(id, key));
            results.Add(new ReplayedEntry(entry.Id, entry.RequestId, erasedAt, true, run.Changed, run.Held));
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            update gov.erasure_replays set finished_at = now(), entries = @entries, found = @found, changed = @changed where id = @id
            """, new { id, entries = results.Count, found = results.Count(r => r.Found), changed = results.Sum(r => r.Changed) }, cancellationToken: ct));
        await audit.AppendAsync(new AuditRecord(actor, "erasure.replay", AuditOutcome.Success, "store", store.Name, null, new Dictionary<string, object?>
        {
            ["replay"] = id,
            ["since"] = since.ToUniversalTime(),
            ["entries"] = results.Count,
            ["found"] = results.Count(r => r.Found),
            ["changed"] = results.Sum(r => r.Changed),
            ["held"] = results.Sum(r => r.Held),
        }), ct);
        return new ReplayResult(id, store.Name, since, results);
    }

    /// <summary>The store's subject keys whose ledger hash is one of <paramref name="hashes"/>, by hash: every key read once, hashed here.</summary>
    private static async Task<Dictionary<string, string>> FindByHashAsync(ChatStore store, DataMapDocument map, HashSet<string> hashes, Pseudonyms pseudonyms, CancellationToken ct)
    {
        var matches = new Dictionary<string, string>(StringComparer.Ordinal);
        if (hashes.Count == 0)
        {
            return matches;
        }

        var subject = map.SubjectCollection!;
        var (schema, table) = subject.QualifiedTable;
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand(
            $"select {DataMapPlanner.Q(subject.Key[0])}::text from {DataMapPlanner.Q(schema)}.{DataMapPlanner.Q(table)}", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = reader.GetString(0);
            var hash = pseudonyms.LedgerHash(map.Name, key);
            if (hashes.Contains(hash))
            {
                matches[hash] = key;
            }
        }

        return matches;
    }
}
