namespace Governance.Core.Database;

public sealed record ResolvedStore(string Name, string Region, string ConnectionString, string BlobRoot);

/// <summary>The connection strings the console uses, after filling in the embedded cluster where none was configured.</summary>
/// <param name="Governance">What the console runs with: the application role, which may only append to the audit log.</param>
/// <param name="GovernanceAdmin">What migrations run with: the owner of the schema.</param>
public sealed record ResolvedConnections(string Governance, string GovernanceAdmin, IReadOnlyList<ResolvedStore> Stores, int? EmbeddedPort)
{
    public bool UsesEmbedded => EmbeddedPort is not null;
}
