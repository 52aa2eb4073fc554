using System.Diagnostics;
using System.Reflection;
using Dapper;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Core.Demo;

/// <summary>
/// Fills every configured chat store with a deterministic demo organisation by binary COPY. Each store is loaded in
/// one transaction and all are committed together at the end, and files are written to a staging folder that
/// replaces the blob folder only after the commit: a failure while loading leaves the stores and files as they were.
/// The commits themselves are not atomic across stores (that would need prepared transactions, which a chat store's
/// server may not allow): a store lost between two commits leaves the earlier stores seeded; seeding again with
/// --replace mends it.
/// </summary>
public sealed class DemoSeeder(ChatStoreRegistry stores, ILogger<DemoSeeder> logger)
{
    private static readonly string[] TablesInLoadOrder =
    [
        "tenants", "users", "devices", "sessions", "contacts", "conversations", "conversation_members", "messages",
        "attachments", "reactions", "read_receipts", "calls", "call_participants", "ai_interactions",
    ];

    public static string SchemaSql()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Governance.Core.Demo.chatstore-schema.sql")
            ?? throw new InvalidOperationException("The chat store DDL is not embedded in Governance.Core.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Creates the store's database when it is missing (needs the right to create databases) and applies the chat store DDL.</summary>
    public static async Task PrepareStoreAsync(ChatStore store, CancellationToken ct)
    {
        await PostgresAdmin.EnsureDatabaseAsync(store.ConnectionString, $"ChatStores:{store.Name}", ct);
        await using var connection = await PostgresAdmin.OpenAsync(store.ConnectionString, $"ChatStores:{store.Name}", ct);
        await connection.ExecuteAsync(new CommandDefinition(SchemaSql(), cancellationToken: ct));
    }

    public async Task<DemoSeedReport> SeedAsync(DemoSeedOptions options, CancellationToken ct)
    {
        options.Validate();
        var all = stores.All.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        if (all.Count == 0)
        {
            throw new InvalidOperationException("No chat store is configured (ChatStores section): nothing to seed.");
        }

        var clock = Stopwatch.StartNew();
        foreach (var store in all)
        {
            await PrepareStoreAsync(store, ct);
        }

        var connections = new List<(ChatStore Store, NpgsqlConnection Connection, NpgsqlTransaction Tx)>();
        var staging = all.ToDictionary(s => s.Region, s => s.BlobRoot + ".seeding", StringComparer.Ordinal);
        try
        {
            foreach (var store in all)
            {
                var connection = await PostgresAdmin.OpenAsync(store.ConnectionString, $"ChatStores:{store.Name}", ct);
                var tx = await connection.BeginTransactionAsync(ct);
                connections.Add((store, connection, tx));
                await GuardAsync(store, connection, tx, options.Replace, ct);
            }

            foreach (var dir in staging.Values)
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }

                Directory.CreateDirectory(dir);
            }

            var world = new DemoWorld(options.Seed, options.Anchor, all.Select(s => s.Region).ToHashSet(StringComparer.Ordinal), options.Users, options.Messages);
            logger.LogInformation("Demo world generated: {Users} users, {Conversations} conversations, {Messages} messages in {Ms} ms",
                world.Users.Count, world.Conversations.Count, world.MessageTicks.Length, clock.ElapsedMilliseconds);
            var side = new DemoSideRows(world);

            var reports = await Task.WhenAll(connections.Select(c =>
                Task.Run(() => Load(world, side, c.Store, c.Connection, staging, ct), ct)));

            foreach (var (_, _, tx) in connections)
            {
                await tx.CommitAsync(ct);
            }

            foreach (var store in all)
            {
                Swap(staging[store.Region], store.BlobRoot);
            }

            foreach (var (_, connection, _) in connections)
            {
                await using var analyse = new NpgsqlCommand("analyze", connection);
                await analyse.ExecuteNonQueryAsync(ct);
            }

            return new DemoSeedReport(reports, clock.Elapsed);
        }
        catch
        {
            foreach (var dir in staging.Values.Where(Directory.Exists))
            {
                Directory.Delete(dir, recursive: true);
            }

            throw;
        }
        finally
        {
            foreach (var (_, connection, tx) in connections)
            {
                await tx.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }

    private static async Task GuardAsync(ChatStore store, NpgsqlConnection connection, NpgsqlTransaction tx, bool replace, CancellationToken ct)
    {
        var hasData = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("select exists (select 1 from users)", transaction: tx, cancellationToken: ct));
        if (hasData && !replace)
        {
            throw new InvalidOperationException(
                $"Chat store '{store.Name}' already holds users: demo seed replaces all rows of its chat tables, so pass --replace if that is what you want.");
        }

        var super = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select rolsuper from pg_roles where rolname = current_user", transaction: tx, cancellationToken: ct));
        if (super)
        {
            // Rows are consistent by construction; skipping per-row foreign-key triggers makes the load several times faster.
            await connection.ExecuteAsync(new CommandDefinition("set local session_replication_role = replica", transaction: tx, cancellationToken: ct));
        }

        await connection.ExecuteAsync(new CommandDefinition(
            $"truncate {string.Join(", ", TablesInLoadOrder)}", transaction: tx, cancellationToken: ct));
    }

    private static void Swap(string staging, string target)
    {
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string? old = null;
        if (Directory.Exists(target))
        {
            old = target + ".old-" + Guid.NewGuid().ToString("N");
            Directory.Move(target, old);
        }

        Directory.Move(staging, target);
        if (old is not null)
        {
            Directory.Delete(old, recursive: true);
        }
    }

    private DemoStoreReport Load(DemoWorld world, DemoSideRows side, ChatStore store, NpgsqlConnection connection,
        IReadOnlyDictionary<string, string> staging, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var report = new DemoStoreLoad(world, side, store, staging).Run(connection, ct);
        logger.LogInformation("Chat store {Store} loaded: {Messages} messages, {Files} files in {Ms} ms",
            store.Name, report.Rows["messages"], report.Files, clock.ElapsedMilliseconds);
        return report;
    }
}
