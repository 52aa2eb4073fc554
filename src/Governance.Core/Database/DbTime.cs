namespace Governance.Core.Database;

/// <summary>Timestamps read back from PostgreSQL: <c>timestamptz</c> arrives as a DateTime in UTC whose Kind says so only sometimes.</summary>
public static class DbTime
{
    public static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;
}
