using System.Collections.Concurrent;

namespace Governance.Web.Authentication;

/// <summary>
/// Slows down guessing from one network address, whichever accounts it tries: after <see cref="FreeFailures"/>
/// failed sign-ins within <see cref="Window"/>, the address waits before its next attempt is even checked, 30 seconds
/// at first and twice as long after each further failure (at most 15 minutes). A success clears the address. Kept in
/// memory per process; the per-account lockout in the database holds across processes.
/// </summary>
public sealed class SignInThrottle(TimeProvider time)
{
    public const int FreeFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan FirstWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(15);

    private sealed class State
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset BlockedUntil;
    }

    private readonly ConcurrentDictionary<string, State> _addresses = new(StringComparer.Ordinal);

    /// <summary>How long the address must still wait, or null when it may try now.</summary>
    public TimeSpan? WaitFor(string? address)
    {
        if (!_addresses.TryGetValue(Key(address), out var state))
        {
            return null;
        }

        lock (state)
        {
            var left = state.BlockedUntil - time.GetUtcNow();
            return left > TimeSpan.Zero ? left : null;
        }
    }

    public void Failed(string? address)
    {
        var now = time.GetUtcNow();
        var state = _addresses.GetOrAdd(Key(address), _ => new State());
        lock (state)
        {
            state.Failures = now - state.LastFailure > Window ? 1 : state.Failures + 1;
            state.LastFailure = now;
            if (state.Failures >= FreeFailures)
            {
                var doubling = Math.Min(state.Failures - FreeFailures, 10);
                var wait = TimeSpan.FromTicks(Math.Min(LongestWait.Ticks, FirstWait.Ticks << doubling));
                state.BlockedUntil = now + wait;
            }
        }

        if (_addresses.Count > 10_000)
        {
            foreach (var (key, old) in _addresses.Where(kv => now - kv.Value.LastFailure > Window && kv.Value.BlockedUntil < now).ToList())
            {
                _addresses.TryRemove(new KeyValuePair<string, State>(key, old));
            }
        }
    }

    public void Succeeded(string? address) => _addresses.TryRemove(Key(address), out _);

    private static string Key(string? address) => address ?? "in-process";
}
