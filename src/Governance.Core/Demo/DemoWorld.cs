using System.Net;

namespace Governance.Core.Demo;

/// <summary>
/// The demo organisation in memory, generated from a seed: tenants, users, conversations and the time-ordered
/// timeline of messages. Rows that are many (messages and what hangs off them) are not kept: the loader derives
/// them from the timeline and a per-message random stream, so any thread can write any store and get the same rows.
/// </summary>
internal sealed class DemoWorld
{
    public sealed record Tenant(long Id, string Name, string Domain, string Region, DateTime CreatedAt);

    public sealed class User
    {
        public long Id;
        public int Tenant;
        public string Region = "";
        public string HomeRegion = "";
        public DemoText.Locale Locale = DemoText.EnGb;
        public string DisplayName = "";
        public string Email = "";
        public string? Phone;
        public DateTime CreatedAt;
        public DateTime? LastLoginAt;
        public IPAddress? LastLoginIp;
        public DateTime? DeactivatedAt;
    }

    public sealed class Conversation
    {
        public long Id;
        public int Tenant;
        public string Kind = "";
        public string? Name;
        public string? Topic;
        public int CreatedBy;
        public DateTime CreatedAt;
        public int[] Members = [];
        public DateTime[] JoinedAt = [];
        public DateTime?[] LeftAt = [];
        public long LastMessageId;
        public DateTime LastMessageAt;
    }

    public static readonly (string Region, string Name, string Domain)[] TenantSeeds =
    [
        ("eu", "Northwind Logistics", "northwind.example"),
        ("eu", "Fabrikam GmbH", "fabrikam.example"),
        ("eu", "Contoso Pharma Europe", "contoso-pharma.example"),
        ("us", "Litware Inc", "litware.example"),
        ("us", "Adatum Corporation", "adatum.example"),
        ("cn", "上海尾旋科技 Tailspin Shanghai", "tailspin.example.cn"),
    ];

    private static readonly Dictionary<string, double> RegionWeights = new(StringComparer.Ordinal) { ["eu"] = 0.45, ["us"] = 0.40, ["cn"] = 0.15 };

    public DateTime Anchor { get; }

    public DateTime Start { get; }

    public ulong Seed { get; }

    public List<Tenant> Tenants { get; } = [];

    public List<User> Users { get; } = [];

    public List<Conversation> Conversations { get; } = [];

    /// <summary>Messages in id order: id = index + 1.</summary>
    public long[] MessageTicks { get; private set; } = [];

    public int[] MessageConversation { get; private set; } = [];

    public int[] MessageSender { get; private set; } = [];

    public DemoWorld(ulong seed, DateOnly anchor, IReadOnlyCollection<string> regions, int users, long messages)
    {
        Seed = seed;
        Anchor = anchor.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        Start = Anchor.AddYears(-3);
        var rng = DemoRandom.For(seed, 1);
        BuildTenants(regions, ref rng);
        BuildUsers(users, ref rng);
        BuildConversations(ref rng);
        BuildTimeline(messages, ref rng);
    }

    private void BuildTenants(IReadOnlyCollection<string> regions, ref DemoRandom rng)
    {
        foreach (var (region, name, domain) in TenantSeeds.Where(t => regions.Contains(t.Region)))
        {
            Tenants.Add(new Tenant(Tenants.Count + 1, name, domain, region, Start.AddDays(-rng.Next(30, 400))));
        }

        // A region with no seeded tenant (a store configured beyond eu/us/cn) still gets one.
        foreach (var region in regions.Where(r => Tenants.All(t => t.Region != r)).Order(StringComparer.Ordinal))
        {
            Tenants.Add(new Tenant(Tenants.Count + 1, $"Tenant {region.ToUpperInvariant()}", $"{region}.tenant.example", region, Start.AddDays(-rng.Next(30, 400))));
        }
    }

    private void BuildUsers(int count, ref DemoRandom rng)
    {
        var regions = Tenants.Select(t => t.Region).Distinct().Order(StringComparer.Ordinal).ToArray();
        var weights = regions.Select(r => RegionWeights.GetValueOrDefault(r, 0.2)).ToArray();
        var total = weights.Sum();
        var created = new List<(DateTime At, int Tenant, string Home)>(count);
        for (var i = 0; i < count; i++)
        {
            // The first users fill each region once so that every store has people in it.
            string region;
            if (i < regions.Length)
            {
                region = regions[i];
            }
            else
            {
                var u = rng.NextDouble() * total;
                var k = 0;
                while (k < regions.Length - 1 && u >= weights[k])
                {
                    u -= weights[k];
                    k++;
                }

                region = regions[k];
            }

            var tenants = Tenants.Where(t => t.Region == region).ToArray();
            var tenant = tenants[rng.Next(tenants.Length)];
            // About one in a hundred people is stored in a region other than their home region.
            var home = regions.Length > 1 && i >= regions.Length && rng.Chance(0.01)
                ? regions.Where(r => r != region).ElementAt(rng.Next(regions.Length - 1))
                : region;
            // Half the people were there before the three years of history began; the rest joined since.
            var joined = rng.Chance(0.5) ? rng.Between(Start.AddYears(-1), Start) : rng.Between(Start, Anchor.AddDays(-30));
            created.Add((joined, (int)tenant.Id - 1, home));
        }

        created.Sort((a, b) => a.At.CompareTo(b.At));
        foreach (var (at, tenantIndex, home) in created)
        {
            var tenant = Tenants[tenantIndex];
            var locales = DemoText.LocalesByRegion.GetValueOrDefault(home, [DemoText.EnUs]);
            var locale = locales[rng.Next(locales.Length)];
            var g = rng.Next(locale.Given.Length);
            var f = rng.Next(locale.Family.Length);
            var id = Users.Count + 1L;
            var display = locale.FamilyFirst ? locale.Family[f] + locale.Given[g] : $"{locale.Given[g]} {locale.Family[f]}";
            var givenLatin = locale.GivenLatin?[g] ?? DemoText.Ascii(locale.Given[g]);
            var familyLatin = locale.FamilyLatin?[f] ?? DemoText.Ascii(locale.Family[f]);
            var lastLogin = rng.Chance(0.9) ? rng.Between(at, Anchor) : (DateTime?)null;
            Users.Add(new User
            {
                Id = id,
                Tenant = tenantIndex,
                Region = tenant.Region,
                HomeRegion = home,
                Locale = locale,
                DisplayName = display,
                Email = $"{givenLatin}.{familyLatin}.{id}@{tenant.Domain}",
                Phone = rng.Chance(0.8) ? Phone(home, ref rng) : null,
                CreatedAt = at,
                LastLoginAt = lastLogin,
                LastLoginIp = lastLogin is null ? null : Ip(ref rng),
                DeactivatedAt = rng.Chance(0.03) ? rng.Between(at, Anchor) : null,
            });
        }
    }

    private void BuildConversations(ref DemoRandom rng)
    {
        for (var t = 0; t < Tenants.Count; t++)
        {
            var people = Users.Where(u => u.Tenant == t).Select(u => (int)u.Id - 1).ToArray();
            if (people.Length == 0)
            {
                continue;
            }

            var zh = Tenants[t].Region == "cn";
            if (people.Length >= 2)
            {
                var pairs = new HashSet<(int, int)>();
                var wanted = people.Length * 3 / 2;
                for (var attempt = 0; attempt < wanted * 3 && pairs.Count < wanted; attempt++)
                {
                    var a = people[rng.Next(people.Length)];
                    var b = people[rng.Next(people.Length)];
                    if (a != b && pairs.Add((Math.Min(a, b), Math.Max(a, b))))
                    {
                        Add(t, "direct", null, null, [a, b], ref rng);
                    }
                }
            }

            if (people.Length >= 3)
            {
                for (var i = 0; i < Math.Max(1, people.Length / 6); i++)
                {
                    var size = rng.Skewed(3, Math.Min(40, people.Length));
                    var name = zh ? $"{rng.Pick(DemoText.GroupWordsZh)}项目组" : $"Project {rng.Pick(DemoText.GroupWords)}";
                    Add(t, "group", name, rng.Chance(0.3) ? "Weekly planning and status" : null, Sample(people, size, ref rng), ref rng);
                }

                for (var i = 0; i < Math.Max(1, people.Length / 40); i++)
                {
                    var size = Math.Min(500, Math.Max(3, (int)(people.Length * (0.1 + rng.NextDouble() * 0.5))));
                    var name = "#" + DemoText.Channels[i % DemoText.Channels.Length] + (i >= DemoText.Channels.Length ? $"-{i / DemoText.Channels.Length + 1}" : "");
                    Add(t, "channel", name, rng.Chance(0.5) ? "Company-wide updates" : null, Sample(people, size, ref rng), ref rng);
                }
            }
        }

        Conversations.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        for (var i = 0; i < Conversations.Count; i++)
        {
            Conversations[i].Id = i + 1;
        }
    }

    private void Add(int tenant, string kind, string? name, string? topic, int[] members, ref DemoRandom rng)
    {
        // A conversation starts once its first two members are there (and within the history); people who join the
        // company later join it later. Start times lean early, so that old messages are plentiful, as in a real store.
        var byJoin = members.OrderBy(m => Users[m].CreatedAt).ToArray();
        var earliest = Users[byJoin[Math.Min(1, byJoin.Length - 1)]].CreatedAt;
        earliest = earliest < Start ? Start : earliest;
        var span = Anchor.AddDays(-1) - earliest;
        var created = earliest + TimeSpan.FromTicks((long)(span.Ticks * Math.Pow(rng.NextDouble(), 3)));
        var joined = new DateTime[byJoin.Length];
        var left = new DateTime?[byJoin.Length];
        for (var i = 0; i < byJoin.Length; i++)
        {
            var userCreated = Users[byJoin[i]].CreatedAt;
            joined[i] = userCreated > created ? userCreated.AddHours(rng.Next(1, 72)) : created;
            if (joined[i] >= Anchor)
            {
                joined[i] = Anchor.AddHours(-1);
            }

            if (kind != "direct" && i > 0 && rng.Chance(0.08))
            {
                left[i] = rng.Between(joined[i].AddDays(1), Anchor);
            }
        }

        Conversations.Add(new Conversation
        {
            Tenant = tenant,
            Kind = kind,
            Name = name,
            Topic = topic,
            CreatedBy = byJoin[0],
            CreatedAt = created,
            Members = byJoin,
            JoinedAt = joined,
            LeftAt = left,
        });
    }

    private static int[] Sample(int[] people, int size, ref DemoRandom rng)
    {
        var chosen = new HashSet<int>();
        while (chosen.Count < size)
        {
            chosen.Add(people[rng.Next(people.Length)]);
        }

        return [.. chosen];
    }

    private void BuildTimeline(long count, ref DemoRandom rng)
    {
        if (count > int.MaxValue / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "At most about a billion messages can be generated in one run.");
        }

        var n = (int)count;
        var ticks = new long[n];
        var conv = new int[n];
        var sender = new int[n];
        if (Conversations.Count == 0)
        {
            if (n > 0)
            {
                throw new ArgumentException("Messages need conversations, and conversations need at least two users in a tenant: add users.", nameof(count));
            }

            return;
        }

        // Busier conversations (bigger groups, channels) draw more messages.
        var cumulative = new double[Conversations.Count];
        double sum = 0;
        for (var i = 0; i < Conversations.Count; i++)
        {
            var c = Conversations[i];
            // Older conversations have had more time to talk: weight by lifetime too, so traffic does not pile up in recent months.
            var lifetime = Math.Max(1.0, (Anchor - c.CreatedAt).TotalDays) / 365.0;
            sum += lifetime * c.Kind switch { "direct" => 1.0, "group" => 2.0 + c.Members.Length / 4.0, _ => 3.0 + c.Members.Length / 8.0 };
            cumulative[i] = sum;
        }

        for (var m = 0; m < n; m++)
        {
            var idx = Array.BinarySearch(cumulative, rng.NextDouble() * sum);
            var ci = idx >= 0 ? idx : Math.Min(~idx, cumulative.Length - 1);
            var c = Conversations[ci];
            // A moment in the conversation's life, then someone who was a member then (the first member always was).
            var at = rng.Between(c.CreatedAt, Anchor);
            var k = 0;
            for (var attempt = 0; attempt < 6; attempt++)
            {
                var candidate = rng.Next(c.Members.Length);
                if (c.JoinedAt[candidate] <= at && (c.LeftAt[candidate] is not { } left || left >= at))
                {
                    k = candidate;
                    break;
                }
            }

            conv[m] = ci;
            sender[m] = c.Members[k];
            ticks[m] = at.Ticks;
        }

        // Ids grow with time, as snowflake-style ids do in real chat systems.
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort((long[])ticks.Clone(), order);
        MessageTicks = new long[n];
        MessageConversation = new int[n];
        MessageSender = new int[n];
        for (var i = 0; i < n; i++)
        {
            var o = order[i];
            MessageTicks[i] = ticks[o];
            MessageConversation[i] = conv[o];
            MessageSender[i] = sender[o];
            var c = Conversations[conv[o]];
            c.LastMessageId = i + 1;
            c.LastMessageAt = new DateTime(ticks[o], DateTimeKind.Utc);
        }
    }

    private static string Phone(string region, ref DemoRandom rng) => region switch
    {
        "us" => $"+1555{rng.Next(100, 200):D3}{rng.Next(10000):D4}",
        "cn" => $"+86138{rng.Next(100000000):D8}",
        _ => rng.Chance(0.5) ? $"+447700{rng.Next(900000, 1000000):D6}" : $"+49151{rng.Next(10000000, 100000000):D8}",
    };

    public static IPAddress Ip(ref DemoRandom rng) =>
        new([(byte)rng.Next(1, 224), (byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(1, 255)]);
}
