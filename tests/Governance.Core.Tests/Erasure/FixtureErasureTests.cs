using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Erasure;
using Governance.Core.Holds;
using Governance.Core.Tests.DataMap;
using Governance.Tests.Support;
using System.Security.Cryptography;
using Npgsql;

namespace Governance.Core.Tests.Erasure;

/// <summary>
/// The erasure engine, as the store's least-privileged role, on the round-2 fixture schemas (JSON in text columns, ids inside JSON arrays and text, keys
/// derived from ids, composite keys, no foreign keys), one row per batch: it must end exactly where the plan run in
/// one transaction ends (whose result the fixture tests check against ground truth written by hand), and a rerun
/// must change nothing.
/// </summary>
public sealed class FixtureErasureTests
{
    /// <summary>md5 of every row of every table of the fixture's database, by table.</summary>
    private static async Task<Dictionary<string, string>> FingerprintAsync(string cs)
    {
        await using var connection = new NpgsqlConnection(cs);
        var tables = await connection.QueryAsync<(string Schema, string Table)>(
            "select schemaname, tablename from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (schema, table) in tables)
        {
            result[$"{schema}.{table}"] = await connection.ExecuteScalarAsync<string>(
                $"select coalesce(md5(string_agg(md5(x::text), '' order by md5(x::text))), '-') from \"{schema}\".\"{table}\" x") ?? "-";
        }

        return result;
    }

    [Theory]
    [InlineData("teamchat", IdentityKind.Email, "ann@example.com")]
    [InlineData("federated", IdentityKind.Phone, "447700900123")]
    [InlineData("federated", IdentityKind.UserId, "@alice:example.org")]
    public async Task Engine_InBatchesOfOneRow_EndsAsThePlanInOneTransaction_AndARerunChangesNothing(string fixture, IdentityKind kind, string value)
    {
        await using var reference = await FixtureStore.CreateAsync(fixture);
        await using var batched = await FixtureStore.CreateAsync(fixture);
        var (admin, app) = await MigratedDatabase.CreateAsync("gov_fx");
        await using var database = new GovernanceDatabase(NpgsqlDataSource.Create(app));
        var blobs = Path.Combine(Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath(), "blobs-fx-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var requests = new[] { Guid.CreateVersion7(), Guid.CreateVersion7() };
            await using (var owner = new NpgsqlConnection(admin))
            {
                foreach (var id in requests)
                {
                    await owner.ExecuteAsync("""
                        insert into gov.requests (id, reference, regime, type, state, channel, subject_user_id, received_at, received_on, due_on, due_at)
                        values (@id, @reference, 'gdpr', 'erasure', 'Processing', 'api', 'x', now(), current_date, current_date + 30, now() + interval '30 days')
                        """, new { id, reference = "DSR-" + id.ToString("N")[^10..] });
                }
            }

            // The person's key, to erase them again by user id once their e-mail or phone is gone.
            var found = await PlanPreview.RunAsync(batched.Planner().Access(kind, value), batched.Store, CancellationToken.None, countOnly: true);
            var key = Convert.ToString(Assert.Single(found.First(s => s.Role == StepRole.Find).Rows)[0], System.Globalization.CultureInfo.InvariantCulture)!;
            var planned = reference.Planner().Erase(kind, value, TestKeys.Pseudonyms);
            await PlanRunner.ExecuteAsync(planned, reference.Store, CancellationToken.None);

            var audit = new AuditLog(database, new AuditSealSignal());
            var runner = new StoreErasure(database, new LegalHolds(database, audit, TimeProvider.System), new ErasureOptions { BatchSize = 1 });
            // The engine runs as the console does: as the store's own role, granted from the map's plans and nothing more.
            var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            var roleStore = "t" + Guid.NewGuid().ToString("N")[..12];
            await StoreAccess.ApplyAsync(batched.ConnectionString, roleStore, batched.Map, password, CancellationToken.None);
            var asRole = new NpgsqlConnectionStringBuilder(batched.ConnectionString) { Username = StoreAccess.RoleFor(roleStore), Password = password }.ConnectionString;
            await using var registry = new ChatStoreRegistry([new ResolvedStore(batched.Map.Stores[0], "eu", asRole, blobs)]);
            var store = registry.Get(batched.Map.Stores[0]);
            var result = await runner.RunAsync(requests[0], store, batched.Map, batched.Planner().Erase(kind, value, TestKeys.Pseudonyms), kind, CancellationToken.None);

            Assert.True(result.Found);
            Assert.True(result.Verified);
            Assert.True(result.Changed > 0);
            Assert.Equal(await FingerprintAsync(reference.ConnectionString), await FingerprintAsync(batched.ConnectionString));
            Assert.True(await TestPostgres.ScalarAsync<long>(admin, "select count(*) from gov.erasure_batches") >= result.Changed); // one row per batch

            var before = await FingerprintAsync(batched.ConnectionString);
            var rerun = await runner.RunAsync(requests[1], store, batched.Map, batched.Planner().Erase(IdentityKind.UserId, key, TestKeys.Pseudonyms),
                IdentityKind.UserId, CancellationToken.None);
            // Found again only where the map keeps the person's record (stripped); where it deletes it, nobody is left to find.
            Assert.Equal(batched.Map.SubjectCollection!.RowErasure == RowErasure.Keep, rerun.Found);
            Assert.Equal(before, await FingerprintAsync(batched.ConnectionString));
            Assert.Equal(0, rerun.Changed);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(admin);
        }
    }
}
