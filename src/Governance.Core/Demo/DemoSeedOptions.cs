namespace Governance.Core.Demo;

/// <summary>What <c>./gov demo seed</c> generates. The same seed and anchor give the same rows and files.</summary>
public sealed record DemoSeedOptions(int Users, long Messages, ulong Seed, DateOnly Anchor, bool Replace)
{
    public const int MaxUsers = 5_000_000;
    public const long MaxMessages = 500_000_000;

    /// <summary>Checks the counts before anything is touched; the message names the option.</summary>
    public void Validate()
    {
        if (Users < 3 || Users > MaxUsers)
        {
            throw new ArgumentException($"--users must be between 3 and {MaxUsers:N0} (got {Users}).", nameof(Users));
        }

        if (Messages < 0 || Messages > MaxMessages)
        {
            throw new ArgumentException($"--messages must be between 0 and {MaxMessages:N0} (got {Messages}).", nameof(Messages));
        }
    }
}

public sealed record DemoStoreReport(string Store, string Region, IReadOnlyDictionary<string, long> Rows, int Files);

public sealed record DemoSeedReport(IReadOnlyList<DemoStoreReport> Stores, TimeSpan Elapsed)
{
    public long Total(string table) => Stores.Sum(s => s.Rows.GetValueOrDefault(table));
}
