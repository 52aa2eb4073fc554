namespace Governance.Core.Demo;

/// <summary>A device; <c>User</c> is the user's index in the world (its id less one), as in every side row.</summary>
internal readonly record struct DeviceRow(long Id, int User, string Platform, string Model, string? Push, DateTime Created, DateTime Seen, string Agent);

internal readonly record struct SessionRow(long Id, int User, long Device, System.Net.IPAddress Ip, string Agent, DateTime Created, DateTime? Revoked);

internal readonly record struct ContactRow(int User, int Contact, string? Alias, DateTime Created);

/// <summary>A call; <c>Conversation</c> is the conversation's index in the world.</summary>
internal readonly record struct CallRow(long Id, int Conversation, int Initiator, string Kind, DateTime Started, DateTime Ended, int[] Participants);

internal readonly record struct AiRow(long Id, int User, int? Conversation, string Prompt, string Answer, DateTime Created);

/// <summary>Rows of moderate number, made once in a single pass so that ids are global and the same for any store order.</summary>
internal sealed class DemoSideRows
{
    public readonly List<DeviceRow> Devices = [];
    public readonly List<SessionRow> Sessions = [];
    public readonly List<ContactRow> Contacts = [];
    public readonly List<CallRow> Calls = [];
    public readonly List<AiRow> Ai = [];

    public DemoSideRows(DemoWorld world)
    {
        var byTenant = world.Users.GroupBy(u => u.Tenant).ToDictionary(g => g.Key, g => g.Select(u => (int)u.Id - 1).ToArray());
        foreach (var user in world.Users)
        {
            var rng = DemoRandom.For(world.Seed, DemoStreams.User + (ulong)user.Id);
            var ui = (int)user.Id - 1;
            for (var d = rng.Next(1, 4); d > 0; d--)
            {
                var (platform, model, agent) = rng.Pick(DemoText.Devices);
                var created = rng.Between(user.CreatedAt, world.Anchor);
                var deviceId = Devices.Count + 1L;
                var push = platform is "ios" or "android" ? Convert.ToHexString(BitConverter.GetBytes(rng.NextUInt64())) + Convert.ToHexString(BitConverter.GetBytes(rng.NextUInt64())) : null;
                Devices.Add(new(deviceId, ui, platform, model, push, created, rng.Between(created, world.Anchor), agent));
                for (var s = rng.Next(1, 3); s > 0; s--)
                {
                    var at = rng.Between(created, world.Anchor);
                    Sessions.Add(new(Sessions.Count + 1L, ui, deviceId, DemoWorld.Ip(ref rng), agent, at, rng.Chance(0.3) ? rng.Between(at, world.Anchor) : null));
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
                    Contacts.Add(new(ui, other, rng.Chance(0.1) ? o.DisplayName + " (work)" : null, rng.Between(Later(user.CreatedAt, o.CreatedAt), world.Anchor)));
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
            Calls.Add(new(Calls.Count + 1L, p.Conversation, p.Initiator, p.Kind, p.Started, p.Ended, p.Participants));
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
            Ai.Add(new(Ai.Count + 1L, a.User, a.Conversation, a.Prompt, a.Answer, a.Created));
        }
    }

    private static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;
}
