using System.Diagnostics;
using System.Reflection;
using System.Text;
using Dapper;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.Demo;

/// <summary>
/// Fills every configured chat store with a deterministic demo organisation by binary COPY. Each store is loaded in
/// one transaction and all are committed together at the end, and files are written to a staging folder that
/// replaces the blob folder only after the commit: a failure leaves the stores and files as they were.
/// </summary>
public sealed class DemoSeeder(ChatStoreRegistry stores, ILogger<DemoSeeder> logger)
{
    private const ulong MessageStream = 1UL << 40;
    private const ulong ReceiptStream = 2UL << 40;
    private const ulong UserStream = 3UL << 40;

    private static readonly string[] TablesInLoadOrder =
    [
        "tenants", "users", "devices", "sessions", "contacts", "conversations", "conversation_members", "messages",
        "attachments", "reactions", "read_receipts", "calls", "call_participants", "ai_interactions",
    ];

    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");

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
        await PostgresAdmin.EnsureDatabaseAsync(store.DataSource.ConnectionString, $"ChatStores:{store.Name}", ct);
        await using var connection = await PostgresAdmin.OpenAsync(store.DataSource.ConnectionString, $"ChatStores:{store.Name}", ct);
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
                var connection = await PostgresAdmin.OpenAsync(store.DataSource.ConnectionString, $"ChatStores:{store.Name}", ct);
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
            var side = new SideRows(world);

            var reports = await Task.WhenAll(connections.Select(c =>
                Task.Run(() => LoadStore(world, side, c.Store, c.Connection, staging, ct), ct)));

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

    /// <summary>Rows of moderate number, made once in a single pass so that ids are global and the same for any store order.</summary>
    private sealed class SideRows
    {
        public readonly List<(long Id, int User, string Platform, string Model, string? Push, DateTime Created, DateTime Seen, string Agent)> Devices = [];
        public readonly List<(long Id, int User, long Device, System.Net.IPAddress Ip, string Agent, DateTime Created, DateTime? Revoked)> Sessions = [];
        public readonly List<(int User, int Contact, string? Alias, DateTime Created)> Contacts = [];
        public readonly List<(long Id, int Conversation, int Initiator, string Kind, DateTime Started, DateTime Ended, int[] Participants)> Calls = [];
        public readonly List<(long Id, int User, int? Conversation, string Prompt, string Answer, DateTime Created)> Ai = [];

        public SideRows(DemoWorld world)
        {
            var byTenant = world.Users.GroupBy(u => u.Tenant).ToDictionary(g => g.Key, g => g.Select(u => (int)u.Id - 1).ToArray());
            foreach (var user in world.Users)
            {
                var rng = DemoRandom.For(world.Seed, UserStream + (ulong)user.Id);
                var ui = (int)user.Id - 1;
                for (var d = rng.Next(1, 4); d > 0; d--)
                {
                    var (platform, model, agent) = rng.Pick(DemoText.Devices);
                    var created = rng.Between(user.CreatedAt, world.Anchor);
                    var deviceId = Devices.Count + 1L;
                    var push = platform is "ios" or "android" ? Convert.ToHexString(BitConverter.GetBytes(rng.NextUInt64())) + Convert.ToHexString(BitConverter.GetBytes(rng.NextUInt64())) : null;
                    Devices.Add((deviceId, ui, platform, model, push, created, rng.Between(created, world.Anchor), agent));
                    for (var s = rng.Next(1, 3); s > 0; s--)
                    {
                        var at = rng.Between(created, world.Anchor);
                        Sessions.Add((Sessions.Count + 1L, ui, deviceId, DemoWorld.Ip(ref rng), agent, at, rng.Chance(0.3) ? rng.Between(at, world.Anchor) : null));
                    }
                }

                var colleagues = byTenant[user.Tenant];
                var seen = new HashSet<int>();
                for (var c = Math.Min(rng.Next(3, 12), colleagues.Length - 1); c > 0; c--)
                {
                    var other = colleagues[rng.Next(colleagues.Length)];
                    if (other != ui && seen.Add(other))
                    {
                        var o = world.Users[other];
                        Contacts.Add((ui, other, rng.Chance(0.1) ? o.DisplayName + " (work)" : null, rng.Between(Later(user.CreatedAt, o.CreatedAt), world.Anchor)));
                    }
                }
            }

            var callRng = DemoRandom.For(world.Seed, 3);
            var calls = world.Conversations.Count == 0 ? 0 : world.MessageTicks.Length / 150;
            var pending = new List<(int Conversation, int Initiator, string Kind, DateTime Started, DateTime Ended, int[] Participants)>(calls);
            for (var i = 0; i < calls; i++)
            {
                var ci = callRng.Next(world.Conversations.Count);
                var c = world.Conversations[ci];
                var n = Math.Min(c.Members.Length, callRng.Next(2, 9));
                var parts = c.Members.Take(n).ToArray();
                var started = callRng.Between(c.JoinedAt.Take(n).Max(), world.Anchor);
                pending.Add((ci, parts[0], callRng.Chance(0.6) ? "video" : "audio", started, started.AddMinutes(callRng.Next(1, 90)), parts));
            }

            foreach (var p in pending.OrderBy(p => p.Started))
            {
                Calls.Add((Calls.Count + 1L, p.Conversation, p.Initiator, p.Kind, p.Started, p.Ended, p.Participants));
            }

            var aiCount = world.MessageTicks.Length / 80;
            var aiPending = new List<(int User, int? Conversation, string Prompt, string Answer, DateTime Created)>(aiCount);
            for (var i = 0; i < aiCount && world.Users.Count > 0; i++)
            {
                var ui = callRng.Next(world.Users.Count);
                var user = world.Users[ui];
                int? ci = null;
                if (world.Conversations.Count > 0 && callRng.Chance(0.5))
                {
                    var candidate = callRng.Next(world.Conversations.Count);
                    ci = world.Conversations[candidate].Tenant == user.Tenant ? candidate : null;
                }

                aiPending.Add((ui, ci, callRng.Pick(DemoText.Prompts), callRng.Pick(DemoText.Answers), callRng.Between(user.CreatedAt, world.Anchor)));
            }

            foreach (var a in aiPending.OrderBy(a => a.Created))
            {
                Ai.Add((Ai.Count + 1L, a.User, a.Conversation, a.Prompt, a.Answer, a.Created));
            }
        }

        private static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;
    }

    private DemoStoreReport LoadStore(DemoWorld world, SideRows side, ChatStore store, NpgsqlConnection connection,
        IReadOnlyDictionary<string, string> staging, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        var region = store.Region;
        bool Here(int tenant) => world.Tenants[tenant].Region == region;
        var userHere = world.Users.Select(u => u.Region == region).ToArray();
        var convHere = world.Conversations.Select(c => Here(c.Tenant)).ToArray();

        rows["tenants"] = Copy(connection, "tenants (id, name, domain, home_region, created_at)", w =>
        {
            long n = 0;
            foreach (var t in world.Tenants.Where(t => t.Region == region))
            {
                w.StartRow();
                w.Write(t.Id, NpgsqlDbType.Bigint);
                w.Write(t.Name, NpgsqlDbType.Text);
                w.Write(t.Domain, NpgsqlDbType.Text);
                w.Write(t.Region, NpgsqlDbType.Text);
                w.Write(t.CreatedAt, NpgsqlDbType.TimestampTz);
                n++;
            }

            return n;
        });

        rows["users"] = Copy(connection, "users (id, tenant_id, email, phone, display_name, locale, home_region, created_at, last_login_at, last_login_ip, deactivated_at)", w =>
        {
            long n = 0;
            foreach (var u in world.Users.Where(u => u.Region == region))
            {
                w.StartRow();
                w.Write(u.Id, NpgsqlDbType.Bigint);
                w.Write(world.Tenants[u.Tenant].Id, NpgsqlDbType.Bigint);
                w.Write(u.Email, NpgsqlDbType.Text);
                WriteNullable(w, u.Phone);
                w.Write(u.DisplayName, NpgsqlDbType.Text);
                w.Write(u.Locale.Code, NpgsqlDbType.Text);
                w.Write(u.HomeRegion, NpgsqlDbType.Text);
                w.Write(u.CreatedAt, NpgsqlDbType.TimestampTz);
                WriteNullable(w, u.LastLoginAt);
                if (u.LastLoginIp is null)
                {
                    w.WriteNull();
                }
                else
                {
                    w.Write(u.LastLoginIp, NpgsqlDbType.Inet);
                }

                WriteNullable(w, u.DeactivatedAt);
                n++;
            }

            return n;
        });

        rows["devices"] = Copy(connection, "devices (id, user_id, platform, model, push_token, created_at, last_seen_at)", w =>
        {
            long n = 0;
            foreach (var d in side.Devices.Where(d => userHere[d.User]))
            {
                w.StartRow();
                w.Write(d.Id, NpgsqlDbType.Bigint);
                w.Write(d.User + 1L, NpgsqlDbType.Bigint);
                w.Write(d.Platform, NpgsqlDbType.Text);
                w.Write(d.Model, NpgsqlDbType.Text);
                WriteNullable(w, d.Push);
                w.Write(d.Created, NpgsqlDbType.TimestampTz);
                w.Write(d.Seen, NpgsqlDbType.TimestampTz);
                n++;
            }

            return n;
        });

        rows["sessions"] = Copy(connection, "sessions (id, user_id, device_id, ip, user_agent, created_at, expires_at, revoked_at)", w =>
        {
            long n = 0;
            foreach (var s in side.Sessions.Where(s => userHere[s.User]))
            {
                w.StartRow();
                w.Write(s.Id, NpgsqlDbType.Bigint);
                w.Write(s.User + 1L, NpgsqlDbType.Bigint);
                w.Write(s.Device, NpgsqlDbType.Bigint);
                w.Write(s.Ip, NpgsqlDbType.Inet);
                w.Write(s.Agent, NpgsqlDbType.Text);
                w.Write(s.Created, NpgsqlDbType.TimestampTz);
                w.Write(s.Created.AddDays(30), NpgsqlDbType.TimestampTz);
                WriteNullable(w, s.Revoked);
                n++;
            }

            return n;
        });

        rows["contacts"] = Copy(connection, "contacts (user_id, contact_user_id, alias, created_at)", w =>
        {
            long n = 0;
            foreach (var c in side.Contacts.Where(c => userHere[c.User]))
            {
                w.StartRow();
                w.Write(c.User + 1L, NpgsqlDbType.Bigint);
                w.Write(c.Contact + 1L, NpgsqlDbType.Bigint);
                WriteNullable(w, c.Alias);
                w.Write(c.Created, NpgsqlDbType.TimestampTz);
                n++;
            }

            return n;
        });

        rows["conversations"] = Copy(connection, "conversations (id, tenant_id, kind, name, topic, created_by, created_at, region)", w =>
        {
            long n = 0;
            for (var i = 0; i < world.Conversations.Count; i++)
            {
                if (!convHere[i])
                {
                    continue;
                }

                var c = world.Conversations[i];
                w.StartRow();
                w.Write(c.Id, NpgsqlDbType.Bigint);
                w.Write(world.Tenants[c.Tenant].Id, NpgsqlDbType.Bigint);
                w.Write(c.Kind, NpgsqlDbType.Text);
                WriteNullable(w, c.Name);
                WriteNullable(w, c.Topic);
                w.Write(c.CreatedBy + 1L, NpgsqlDbType.Bigint);
                w.Write(c.CreatedAt, NpgsqlDbType.TimestampTz);
                w.Write(region, NpgsqlDbType.Text);
                n++;
            }

            return n;
        });

        rows["conversation_members"] = Copy(connection, "conversation_members (conversation_id, user_id, role, joined_at, left_at)", w =>
        {
            long n = 0;
            for (var i = 0; i < world.Conversations.Count; i++)
            {
                if (!convHere[i])
                {
                    continue;
                }

                var c = world.Conversations[i];
                for (var k = 0; k < c.Members.Length; k++)
                {
                    w.StartRow();
                    w.Write(c.Id, NpgsqlDbType.Bigint);
                    w.Write(c.Members[k] + 1L, NpgsqlDbType.Bigint);
                    w.Write(k == 0 && c.Kind != "direct" ? "owner" : k == 1 && c.Kind == "channel" ? "admin" : "member", NpgsqlDbType.Text);
                    w.Write(c.JoinedAt[k], NpgsqlDbType.TimestampTz);
                    WriteNullable(w, c.LeftAt[k]);
                    n++;
                }
            }

            return n;
        });

        var attachments = new List<(long Id, long Message, int Uploader, string FileName, long Size, string Type, string Path, string Region, DateTime Created)>();
        var reactions = new List<(long Message, int User, string Emoji, DateTime Created)>();
        var lastInConversation = new long[world.Conversations.Count];
        var body = new StringBuilder(256);
        rows["messages"] = Copy(connection, "messages (id, conversation_id, sender_id, body, created_at, edited_at, deleted_at, reply_to_id, mentions)", w =>
        {
            long n = 0;
            for (var m = 0; m < world.MessageTicks.Length; m++)
            {
                var ci = world.MessageConversation[m];
                if (!convHere[ci])
                {
                    continue;
                }

                if ((n & 0xFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                var id = m + 1L;
                var c = world.Conversations[ci];
                var sender = world.Users[world.MessageSender[m]];
                var created = new DateTime(world.MessageTicks[m], DateTimeKind.Utc);
                var rng = DemoRandom.For(world.Seed, MessageStream + (ulong)id);
                body.Clear();
                long? mention = null;
                if (c.Members.Length > 2 && rng.Chance(0.05))
                {
                    var other = world.Users[c.Members[rng.Next(c.Members.Length)]];
                    if (other.Id != sender.Id)
                    {
                        mention = other.Id;
                        body.Append('@').Append(other.DisplayName).Append(' ');
                    }
                }

                body.Append(rng.Pick(sender.Locale.Sentences));
                if (rng.Chance(0.3))
                {
                    body.Append(sender.Locale.Code == "zh-CN" ? "" : " ").Append(rng.Pick(sender.Locale.Sentences));
                }

                DateTime? edited = rng.Chance(0.03) ? created.AddMinutes(rng.Next(1, 120)) : null;
                DateTime? deleted = rng.Chance(0.01) ? created.AddMinutes(rng.Next(1, 600)) : null;
                long? replyTo = lastInConversation[ci] > 0 && rng.Chance(0.08) ? lastInConversation[ci] : null;
                lastInConversation[ci] = id;

                w.StartRow();
                w.Write(id, NpgsqlDbType.Bigint);
                w.Write(c.Id, NpgsqlDbType.Bigint);
                w.Write(sender.Id, NpgsqlDbType.Bigint);
                w.Write(body.ToString(), NpgsqlDbType.Text);
                w.Write(created, NpgsqlDbType.TimestampTz);
                WriteNullable(w, edited);
                WriteNullable(w, deleted);
                WriteNullable(w, replyTo);
                if (mention is { } who)
                {
                    w.Write(new[] { who }, NpgsqlDbType.Array | NpgsqlDbType.Bigint);
                }
                else
                {
                    w.WriteNull();
                }

                n++;

                if (rng.Chance(0.02))
                {
                    attachments.Add(MakeAttachment(world, store, staging, id, sender, created, ref rng));
                }

                if (rng.Chance(0.08))
                {
                    var count = Math.Min(c.Members.Length, rng.Next(1, 4));
                    var start = rng.Next(c.Members.Length);
                    for (var r = 0; r < count; r++)
                    {
                        reactions.Add((id, c.Members[(start + r) % c.Members.Length], rng.Pick(DemoText.Emoji), created.AddMinutes(rng.Next(1, 240))));
                    }
                }
            }

            return n;
        });

        rows["attachments"] = Copy(connection, "attachments (id, message_id, uploader_id, file_name, size_bytes, content_type, blob_path, storage_region, created_at)", w =>
        {
            foreach (var a in attachments)
            {
                w.StartRow();
                w.Write(a.Id, NpgsqlDbType.Bigint);
                w.Write(a.Message, NpgsqlDbType.Bigint);
                w.Write(a.Uploader + 1L, NpgsqlDbType.Bigint);
                w.Write(a.FileName, NpgsqlDbType.Text);
                w.Write(a.Size, NpgsqlDbType.Bigint);
                w.Write(a.Type, NpgsqlDbType.Text);
                w.Write(a.Path, NpgsqlDbType.Text);
                w.Write(a.Region, NpgsqlDbType.Text);
                w.Write(a.Created, NpgsqlDbType.TimestampTz);
            }

            return attachments.Count;
        });

        rows["reactions"] = Copy(connection, "reactions (message_id, user_id, emoji, created_at)", w =>
        {
            var seen = new HashSet<(long, int, string)>();
            long n = 0;
            foreach (var r in reactions)
            {
                if (!seen.Add((r.Message, r.User, r.Emoji)))
                {
                    continue;
                }

                w.StartRow();
                w.Write(r.Message, NpgsqlDbType.Bigint);
                w.Write(r.User + 1L, NpgsqlDbType.Bigint);
                w.Write(r.Emoji, NpgsqlDbType.Text);
                w.Write(r.Created, NpgsqlDbType.TimestampTz);
                n++;
            }

            return n;
        });

        rows["read_receipts"] = Copy(connection, "read_receipts (conversation_id, user_id, last_read_message_id, read_at)", w =>
        {
            long n = 0;
            for (var i = 0; i < world.Conversations.Count; i++)
            {
                if (!convHere[i])
                {
                    continue;
                }

                var c = world.Conversations[i];
                var rng = DemoRandom.For(world.Seed, ReceiptStream + (ulong)c.Id);
                for (var k = 0; k < c.Members.Length; k++)
                {
                    if (!rng.Chance(0.85))
                    {
                        continue;
                    }

                    w.StartRow();
                    w.Write(c.Id, NpgsqlDbType.Bigint);
                    w.Write(c.Members[k] + 1L, NpgsqlDbType.Bigint);
                    WriteNullable(w, c.LastMessageId > 0 ? c.LastMessageId : null);
                    w.Write((c.LastMessageId > 0 ? c.LastMessageAt : c.CreatedAt).AddMinutes(rng.Next(1, 600)), NpgsqlDbType.TimestampTz);
                    n++;
                }
            }

            return n;
        });

        var calls = side.Calls.Where(c => convHere[c.Conversation]).ToList();
        rows["calls"] = Copy(connection, "calls (id, conversation_id, initiator_id, kind, started_at, ended_at)", w =>
        {
            foreach (var c in calls)
            {
                w.StartRow();
                w.Write(c.Id, NpgsqlDbType.Bigint);
                w.Write(world.Conversations[c.Conversation].Id, NpgsqlDbType.Bigint);
                w.Write(c.Initiator + 1L, NpgsqlDbType.Bigint);
                w.Write(c.Kind, NpgsqlDbType.Text);
                w.Write(c.Started, NpgsqlDbType.TimestampTz);
                w.Write(c.Ended, NpgsqlDbType.TimestampTz);
            }

            return calls.Count;
        });

        rows["call_participants"] = Copy(connection, "call_participants (call_id, user_id, joined_at, left_at, ip)", w =>
        {
            long n = 0;
            foreach (var c in calls)
            {
                var rng = DemoRandom.For(world.Seed, ReceiptStream + MessageStream + (ulong)c.Id);
                foreach (var p in c.Participants)
                {
                    w.StartRow();
                    w.Write(c.Id, NpgsqlDbType.Bigint);
                    w.Write(p + 1L, NpgsqlDbType.Bigint);
                    w.Write(c.Started, NpgsqlDbType.TimestampTz);
                    w.Write(c.Ended, NpgsqlDbType.TimestampTz);
                    w.Write(DemoWorld.Ip(ref rng), NpgsqlDbType.Inet);
                    n++;
                }
            }

            return n;
        });

        rows["ai_interactions"] = Copy(connection, "ai_interactions (id, user_id, conversation_id, prompt, answer, model, created_at)", w =>
        {
            long n = 0;
            foreach (var a in side.Ai.Where(a => userHere[a.User]))
            {
                w.StartRow();
                w.Write(a.Id, NpgsqlDbType.Bigint);
                w.Write(a.User + 1L, NpgsqlDbType.Bigint);
                WriteNullable(w, a.Conversation is { } ci ? world.Conversations[ci].Id : null);
                w.Write(a.Prompt, NpgsqlDbType.Text);
                w.Write(a.Answer, NpgsqlDbType.Text);
                w.Write("assistant-2026-06", NpgsqlDbType.Text);
                w.Write(a.Created, NpgsqlDbType.TimestampTz);
                n++;
            }

            return n;
        });

        logger.LogInformation("Chat store {Store} loaded: {Messages} messages, {Files} files in {Ms} ms",
            store.Name, rows["messages"], attachments.Count, clock.ElapsedMilliseconds);
        return new DemoStoreReport(store.Name, region, rows, attachments.Count);
    }

    private static (long, long, int, string, long, string, string, string, DateTime) MakeAttachment(
        DemoWorld world, ChatStore store, IReadOnlyDictionary<string, string> staging, long messageId, DemoWorld.User sender, DateTime created, ref DemoRandom rng)
    {
        var zh = sender.Locale.Code == "zh-CN";
        string name, type;
        var text = new StringBuilder();
        byte[]? binary = null;
        switch (rng.Next(5))
        {
            case 0:
                (name, type) = (zh ? $"会议纪要-{messageId}.txt" : $"meeting-notes-{messageId}.txt", "text/plain");
                for (var i = rng.Next(3, 12); i > 0; i--)
                {
                    text.Append(rng.Pick(sender.Locale.Sentences)).Append('\n');
                }

                break;
            case 1:
                (name, type) = ($"expenses-{messageId}.csv", "text/csv");
                text.Append("date,item,amount\n");
                for (var i = rng.Next(3, 20); i > 0; i--)
                {
                    text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{created.AddDays(-i):yyyy-MM-dd},item {i},{rng.Next(5, 900)}.{rng.Next(100):D2}\n");
                }

                break;
            case 2:
                (name, type) = ($"settings-{messageId}.json", "application/json");
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{{\"version\":{rng.Next(1, 9)},\"enabled\":{(rng.Chance(0.5) ? "true" : "false")},\"threshold\":{rng.Next(100)}}}\n");
                break;
            case 3:
                (name, type) = ($"screenshot-{messageId}.png", "image/png");
                binary = Png;
                break;
            default:
                (name, type) = (zh ? $"报告-{messageId}.md" : $"report-{messageId}.md", "text/markdown");
                text.Append("# ").Append(zh ? "周报" : "Weekly report").Append("\n\n").Append(rng.Pick(sender.Locale.Sentences)).Append('\n');
                break;
        }

        var content = binary ?? Encoding.UTF8.GetBytes(text.ToString());

        // One attachment in two hundred was put in another region's storage: residency scans look for these.
        var region = store.Region;
        if (staging.Count > 1 && rng.Chance(0.005))
        {
            region = staging.Keys.Where(r => r != store.Region).Order(StringComparer.Ordinal).ElementAt(rng.Next(staging.Count - 1));
        }

        var tenant = world.Tenants[sender.Tenant];
        var path = $"{tenant.Id}/{created:yyyy}/{created:MM}/{messageId}-{name}";
        var file = Path.Combine(staging[region], path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, content);
        return (messageId, messageId, (int)sender.Id - 1, name, content.Length, type, path, region, created);
    }

    private static long Copy(NpgsqlConnection connection, string target, Func<NpgsqlBinaryImporter, long> write)
    {
        using var importer = connection.BeginBinaryImport($"copy {target} from stdin (format binary)");
        var n = write(importer);
        importer.Complete();
        return n;
    }

    private static void WriteNullable(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(value, NpgsqlDbType.Text);
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter w, DateTime? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.TimestampTz);
        }
        else
        {
            w.WriteNull();
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter w, long? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Bigint);
        }
        else
        {
            w.WriteNull();
        }
    }
}
