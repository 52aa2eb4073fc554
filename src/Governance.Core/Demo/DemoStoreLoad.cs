using System.Text;
using Governance.Core.ChatStores;
using Npgsql;

namespace Governance.Core.Demo;

// A row and what the store needs resolved beside it (the tenant's or conversation's id in that store).
using UserRow = (DemoWorld.User U, long Tenant);
using ConversationRow = (DemoWorld.Conversation C, long Tenant, string Region);
using PlacedCallRow = (CallRow Call, long Conversation);
using PlacedAiRow = (AiRow Ai, long? Conversation);

internal readonly record struct MemberRow(long Conversation, long User, string Role, DateTime Joined, DateTime? Left);

internal readonly record struct MessageRow(long Id, long Conversation, long Sender, string Body, DateTime Created, DateTime? Edited, DateTime? Deleted, long? ReplyTo, long[]? Mentions);

internal readonly record struct AttachmentRow(long Id, long Message, int Uploader, string FileName, long Size, string Type, string Path, string Region, DateTime Created);

internal readonly record struct ReactionRow(long Message, int User, string Emoji, DateTime Created);

internal readonly record struct ReceiptRow(long Conversation, long User, long? LastRead, DateTime ReadAt);

internal readonly record struct ParticipantRow(long Call, long User, DateTime Joined, DateTime Left, System.Net.IPAddress Ip);

/// <summary>
/// Loads one region's share of the demo world into its chat store: every table is a <see cref="CopyTable{T}"/>
/// (its columns as data) fed by the rows of that region, in the order of <see cref="DemoSeeder"/>'s load. Messages
/// decide their attachments and reactions as they are written, so those two tables follow the messages.
/// </summary>
internal sealed class DemoStoreLoad
{
    private static readonly CopyTable<DemoWorld.Tenant> Tenants = new("tenants",
        Column<DemoWorld.Tenant>.Bigint("id", t => t.Id),
        Column<DemoWorld.Tenant>.Text("name", t => t.Name),
        Column<DemoWorld.Tenant>.Text("domain", t => t.Domain),
        Column<DemoWorld.Tenant>.Text("home_region", t => t.Region),
        Column<DemoWorld.Tenant>.Time("created_at", t => t.CreatedAt));

    private static readonly CopyTable<UserRow> Users = new("users",
        Column<UserRow>.Bigint("id", r => r.U.Id),
        Column<UserRow>.Bigint("tenant_id", r => r.Tenant),
        Column<UserRow>.Text("email", r => r.U.Email),
        Column<UserRow>.Text("phone", r => r.U.Phone),
        Column<UserRow>.Text("display_name", r => r.U.DisplayName),
        Column<UserRow>.Text("locale", r => r.U.Locale.Code),
        Column<UserRow>.Text("home_region", r => r.U.HomeRegion),
        Column<UserRow>.Time("created_at", r => r.U.CreatedAt),
        Column<UserRow>.Time("last_login_at", r => r.U.LastLoginAt),
        Column<UserRow>.Inet("last_login_ip", r => r.U.LastLoginIp),
        Column<UserRow>.Time("deactivated_at", r => r.U.DeactivatedAt));

    private static readonly CopyTable<DeviceRow> Devices = new("devices",
        Column<DeviceRow>.Bigint("id", d => d.Id),
        Column<DeviceRow>.Bigint("user_id", d => d.User + 1L),
        Column<DeviceRow>.Text("platform", d => d.Platform),
        Column<DeviceRow>.Text("model", d => d.Model),
        Column<DeviceRow>.Text("push_token", d => d.Push),
        Column<DeviceRow>.Time("created_at", d => d.Created),
        Column<DeviceRow>.Time("last_seen_at", d => d.Seen));

    private static readonly CopyTable<SessionRow> Sessions = new("sessions",
        Column<SessionRow>.Bigint("id", s => s.Id),
        Column<SessionRow>.Bigint("user_id", s => s.User + 1L),
        Column<SessionRow>.Bigint("device_id", s => s.Device),
        Column<SessionRow>.Inet("ip", s => s.Ip),
        Column<SessionRow>.Text("user_agent", s => s.Agent),
        Column<SessionRow>.Time("created_at", s => s.Created),
        Column<SessionRow>.Time("expires_at", s => s.Created.AddDays(30)),
        Column<SessionRow>.Time("revoked_at", s => s.Revoked));

    private static readonly CopyTable<ContactRow> Contacts = new("contacts",
        Column<ContactRow>.Bigint("user_id", c => c.User + 1L),
        Column<ContactRow>.Bigint("contact_user_id", c => c.Contact + 1L),
        Column<ContactRow>.Text("alias", c => c.Alias),
        Column<ContactRow>.Time("created_at", c => c.Created));

    private static readonly CopyTable<ConversationRow> Conversations = new("conversations",
        Column<ConversationRow>.Bigint("id", r => r.C.Id),
        Column<ConversationRow>.Bigint("tenant_id", r => r.Tenant),
        Column<ConversationRow>.Text("kind", r => r.C.Kind),
        Column<ConversationRow>.Text("name", r => r.C.Name),
        Column<ConversationRow>.Text("topic", r => r.C.Topic),
        Column<ConversationRow>.Bigint("created_by", r => r.C.CreatedBy + 1L),
        Column<ConversationRow>.Time("created_at", r => r.C.CreatedAt),
        Column<ConversationRow>.Text("region", r => r.Region));

    private static readonly CopyTable<MemberRow> Members = new("conversation_members",
        Column<MemberRow>.Bigint("conversation_id", m => m.Conversation),
        Column<MemberRow>.Bigint("user_id", m => m.User),
        Column<MemberRow>.Text("role", m => m.Role),
        Column<MemberRow>.Time("joined_at", m => m.Joined),
        Column<MemberRow>.Time("left_at", m => m.Left));

    private static readonly CopyTable<MessageRow> Messages = new("messages",
        Column<MessageRow>.Bigint("id", m => m.Id),
        Column<MessageRow>.Bigint("conversation_id", m => m.Conversation),
        Column<MessageRow>.Bigint("sender_id", m => m.Sender),
        Column<MessageRow>.Text("body", m => m.Body),
        Column<MessageRow>.Time("created_at", m => m.Created),
        Column<MessageRow>.Time("edited_at", m => m.Edited),
        Column<MessageRow>.Time("deleted_at", m => m.Deleted),
        Column<MessageRow>.Bigint("reply_to_id", m => m.ReplyTo),
        Column<MessageRow>.Bigints("mentions", m => m.Mentions));

    private static readonly CopyTable<AttachmentRow> Attachments = new("attachments",
        Column<AttachmentRow>.Bigint("id", a => a.Id),
        Column<AttachmentRow>.Bigint("message_id", a => a.Message),
        Column<AttachmentRow>.Bigint("uploader_id", a => a.Uploader + 1L),
        Column<AttachmentRow>.Text("file_name", a => a.FileName),
        Column<AttachmentRow>.Bigint("size_bytes", a => a.Size),
        Column<AttachmentRow>.Text("content_type", a => a.Type),
        Column<AttachmentRow>.Text("blob_path", a => a.Path),
        Column<AttachmentRow>.Text("storage_region", a => a.Region),
        Column<AttachmentRow>.Time("created_at", a => a.Created));

    private static readonly CopyTable<ReactionRow> Reactions = new("reactions",
        Column<ReactionRow>.Bigint("message_id", r => r.Message),
        Column<ReactionRow>.Bigint("user_id", r => r.User + 1L),
        Column<ReactionRow>.Text("emoji", r => r.Emoji),
        Column<ReactionRow>.Time("created_at", r => r.Created));

    private static readonly CopyTable<ReceiptRow> Receipts = new("read_receipts",
        Column<ReceiptRow>.Bigint("conversation_id", r => r.Conversation),
        Column<ReceiptRow>.Bigint("user_id", r => r.User),
        Column<ReceiptRow>.Bigint("last_read_message_id", r => r.LastRead),
        Column<ReceiptRow>.Time("read_at", r => r.ReadAt));

    private static readonly CopyTable<PlacedCallRow> Calls = new("calls",
        Column<PlacedCallRow>.Bigint("id", r => r.Call.Id),
        Column<PlacedCallRow>.Bigint("conversation_id", r => r.Conversation),
        Column<PlacedCallRow>.Bigint("initiator_id", r => r.Call.Initiator + 1L),
        Column<PlacedCallRow>.Text("kind", r => r.Call.Kind),
        Column<PlacedCallRow>.Time("started_at", r => r.Call.Started),
        Column<PlacedCallRow>.Time("ended_at", r => r.Call.Ended));

    private static readonly CopyTable<ParticipantRow> Participants = new("call_participants",
        Column<ParticipantRow>.Bigint("call_id", p => p.Call),
        Column<ParticipantRow>.Bigint("user_id", p => p.User),
        Column<ParticipantRow>.Time("joined_at", p => p.Joined),
        Column<ParticipantRow>.Time("left_at", p => p.Left),
        Column<ParticipantRow>.Inet("ip", p => p.Ip));

    private static readonly CopyTable<PlacedAiRow> Ai = new("ai_interactions",
        Column<PlacedAiRow>.Bigint("id", r => r.Ai.Id),
        Column<PlacedAiRow>.Bigint("user_id", r => r.Ai.User + 1L),
        Column<PlacedAiRow>.Bigint("conversation_id", r => r.Conversation),
        Column<PlacedAiRow>.Text("prompt", r => r.Ai.Prompt),
        Column<PlacedAiRow>.Text("answer", r => r.Ai.Answer),
        Column<PlacedAiRow>.Text("model", _ => "assistant-2026-06"),
        Column<PlacedAiRow>.Time("created_at", r => r.Ai.Created));

    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");

    private readonly DemoWorld _world;
    private readonly DemoSideRows _side;
    private readonly ChatStore _store;
    private readonly IReadOnlyDictionary<string, string> _staging;
    private readonly bool[] _userHere;
    private readonly bool[] _conversationHere;
    private readonly List<AttachmentRow> _attachments = [];
    private readonly List<ReactionRow> _reactions = [];

    public DemoStoreLoad(DemoWorld world, DemoSideRows side, ChatStore store, IReadOnlyDictionary<string, string> staging)
    {
        _world = world;
        _side = side;
        _store = store;
        _staging = staging;
        _userHere = world.Users.Select(u => u.Region == store.Region).ToArray();
        _conversationHere = world.Conversations.Select(c => world.Tenants[c.Tenant].Region == store.Region).ToArray();
    }

    /// <summary>Writes every table in load order (parents before children) and returns the rows per table.</summary>
    public DemoStoreReport Run(NpgsqlConnection connection, CancellationToken ct)
    {
        var region = _store.Region;
        var calls = _side.Calls.Where(c => _conversationHere[c.Conversation]).ToList();
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        void Load<T>(CopyTable<T> table, IEnumerable<T> source) => rows[table.Name] = table.Write(connection, source, ct);

        Load(Tenants, _world.Tenants.Where(t => t.Region == region));
        Load(Users, _world.Users.Where(u => u.Region == region).Select(u => (u, _world.Tenants[u.Tenant].Id)));
        Load(Devices, _side.Devices.Where(d => _userHere[d.User]));
        Load(Sessions, _side.Sessions.Where(s => _userHere[s.User]));
        Load(Contacts, _side.Contacts.Where(c => _userHere[c.User]));
        Load(Conversations, ConversationsHere().Select(c => (c, _world.Tenants[c.Tenant].Id, region)));
        Load(Members, MemberRows());
        Load(Messages, MessageRows());
        Load(Attachments, _attachments);
        Load(Reactions, _reactions.DistinctBy(r => (r.Message, r.User, r.Emoji)));
        Load(Receipts, ReceiptRows());
        Load(Calls, calls.Select(c => (c, _world.Conversations[c.Conversation].Id)));
        Load(Participants, ParticipantRows(calls));
        Load(Ai, _side.Ai.Where(a => _userHere[a.User]).Select(a => (a, a.Conversation is { } ci ? _world.Conversations[ci].Id : (long?)null)));
        return new DemoStoreReport(_store.Name, region, rows, _attachments.Count);
    }

    private IEnumerable<DemoWorld.Conversation> ConversationsHere() =>
        _world.Conversations.Where((_, i) => _conversationHere[i]);

    private IEnumerable<MemberRow> MemberRows()
    {
        foreach (var c in ConversationsHere())
        {
            for (var k = 0; k < c.Members.Length; k++)
            {
                var role = k == 0 && c.Kind != "direct" ? "owner" : k == 1 && c.Kind == "channel" ? "admin" : "member";
                yield return new MemberRow(c.Id, c.Members[k] + 1L, role, c.JoinedAt[k], c.LeftAt[k]);
            }
        }
    }

    /// <summary>The region's messages in id order; each decides, from its own random stream, its attachment and reactions.</summary>
    private IEnumerable<MessageRow> MessageRows()
    {
        var world = _world;
        var lastInConversation = new long[world.Conversations.Count];
        var body = new StringBuilder(256);
        for (var m = 0; m < world.MessageTicks.Length; m++)
        {
            var ci = world.MessageConversation[m];
            if (!_conversationHere[ci])
            {
                continue;
            }

            var id = m + 1L;
            var c = world.Conversations[ci];
            var sender = world.Users[world.MessageSender[m]];
            var created = new DateTime(world.MessageTicks[m], DateTimeKind.Utc);
            var rng = DemoRandom.For(world.Seed, DemoStreams.Message + (ulong)id);
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
            var row = new MessageRow(id, c.Id, sender.Id, body.ToString(), created, edited, deleted, replyTo, mention is { } who ? new[] { who } : null);

            if (rng.Chance(0.02))
            {
                _attachments.Add(MakeAttachment(id, sender, created, ref rng));
            }

            if (rng.Chance(0.08))
            {
                var count = Math.Min(c.Members.Length, rng.Next(1, 4));
                var start = rng.Next(c.Members.Length);
                for (var r = 0; r < count; r++)
                {
                    _reactions.Add(new ReactionRow(id, c.Members[(start + r) % c.Members.Length], rng.Pick(DemoText.Emoji), created.AddMinutes(rng.Next(1, 240))));
                }
            }

            yield return row;
        }
    }

    private IEnumerable<ReceiptRow> ReceiptRows()
    {
        foreach (var c in ConversationsHere())
        {
            var rng = DemoRandom.For(_world.Seed, DemoStreams.Receipt + (ulong)c.Id);
            for (var k = 0; k < c.Members.Length; k++)
            {
                if (rng.Chance(0.85))
                {
                    yield return new ReceiptRow(c.Id, c.Members[k] + 1L, c.LastMessageId > 0 ? c.LastMessageId : null,
                        (c.LastMessageId > 0 ? c.LastMessageAt : c.CreatedAt).AddMinutes(rng.Next(1, 600)));
                }
            }
        }
    }

    private IEnumerable<ParticipantRow> ParticipantRows(List<CallRow> calls)
    {
        foreach (var c in calls)
        {
            var rng = DemoRandom.For(_world.Seed, DemoStreams.Receipt + DemoStreams.Message + (ulong)c.Id);
            foreach (var p in c.Participants)
            {
                yield return new ParticipantRow(c.Id, p + 1L, c.Started, c.Ended, DemoWorld.Ip(ref rng));
            }
        }
    }

    /// <summary>An attachment of the message, its file written to the staging folder of the region that stores it.</summary>
    private AttachmentRow MakeAttachment(long messageId, DemoWorld.User sender, DateTime created, ref DemoRandom rng)
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
        var region = _store.Region;
        if (_staging.Count > 1 && rng.Chance(0.005))
        {
            region = _staging.Keys.Where(r => r != _store.Region).Order(StringComparer.Ordinal).ElementAt(rng.Next(_staging.Count - 1));
        }

        var tenant = _world.Tenants[sender.Tenant];
        var path = $"{tenant.Id}/{created:yyyy}/{created:MM}/{messageId}-{name}";
        var file = Path.Combine(_staging[region], path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, content);
        return new AttachmentRow(messageId, messageId, (int)sender.Id - 1, name, content.Length, type, path, region, created);
    }
}
