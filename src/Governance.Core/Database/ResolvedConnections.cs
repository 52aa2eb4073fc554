namespace Governance.Core.Database;

/// <param name="ConnectionString">What the console runs with: on the local cluster the store's own least-privilege role.</param>
/// <param name="OwnerConnectionString">What the demo seeder, discovery, live validation and granting use (the local superuser); null: the same.</param>
public sealed record ResolvedStore(string Name, string Region, string ConnectionString, string BlobRoot, string? OwnerConnectionString = null)
{
    public string Owner => OwnerConnectionString ?? ConnectionString;
}

/// <summary>The connection strings the console uses, after filling in the embedded cluster where none was configured.</summary>
/// <param name="Governance">What the console runs with: the application role, which may only append to the audit log.</param>
/// <param name="GovernanceAdmin">What migrations run with: the owner of the schema.</param>
public sealed record ResolvedConnections(string Governance, string GovernanceAdmin, IReadOnlyList<ResolvedStore> Stores, int? EmbeddedPort)
{
    public bool UsesEmbedded => EmbeddedPort is not null;
}
