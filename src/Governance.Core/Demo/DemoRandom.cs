namespace Governance.Core.Demo;

/// <summary>
/// A small, fast random source (SplitMix64) whose sequence is fixed for a seed on every runtime and machine,
/// unlike <see cref="Random"/>, whose seeded algorithm is an implementation detail.
/// </summary>
internal struct DemoRandom(ulong seed)
{
    private ulong _state = seed;

    public static DemoRandom For(ulong seed, ulong stream) => new(Mix(seed ^ (stream * 0x9E3779B97F4A7C15UL)));

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, max).</summary>
    public int Next(int max) => max <= 1 ? 0 : (int)(NextUInt64() % (ulong)max);

    /// <summary>A value in [min, max).</summary>
    public int Next(int min, int max) => min + Next(max - min);

    public long NextLong(long max) => max <= 1 ? 0 : (long)(NextUInt64() % (ulong)max);

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>A skewed size in [min, max]: most values small, a few large (as group sizes are).</summary>
    public int Skewed(int min, int max)
    {
        var u = NextDouble();
        return min + (int)Math.Floor(Math.Pow(u, 2.5) * (max - min + 1));
    }

    public DateTime Between(DateTime from, DateTime to)
    {
        if (to <= from)
        {
            return from;
        }

        return from.AddTicks(NextLong(to.Ticks - from.Ticks));
    }
}

/// <summary>The random streams of the demo world: each kind of row draws from its own, so that adding one kind leaves the others as they were.</summary>
internal static class DemoStreams
{
    public const ulong Message = 1UL << 40;
    public const ulong Receipt = 2UL << 40;
    public const ulong User = 3UL << 40;
}
