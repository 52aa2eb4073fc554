namespace Governance.Core.Database.Embedded;

/// <summary>A problem with the local PostgreSQL cluster, phrased as one line that says what is wrong and what to do.</summary>
public sealed class EmbeddedPostgresException(string message) : Exception(message);
