namespace Governance.Core.Database;

public sealed record ResolvedStore(string Name, string Region, string ConnectionString, string BlobRoot);

/// <summary>The connection strings the console uses, after filling in the embedded cluster where none was configured.</summary>
public sealed record ResolvedConnections(string Governance, IReadOnlyList<ResolvedStore> Stores, int? EmbeddedPort)
{
    public bool UsesEmbedded => EmbeddedPort is not null;
}
