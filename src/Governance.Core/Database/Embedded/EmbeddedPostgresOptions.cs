namespace Governance.Core.Database.Embedded;

/// <summary>Settings of the local PostgreSQL cluster that the console runs when no connection string is configured.</summary>
public sealed class EmbeddedPostgresOptions
{
    public const string Section = "EmbeddedPostgres";

    /// <summary>Cluster folder; empty means <c>&lt;DataDirectory&gt;/pg</c>.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>Folder holding initdb, pg_ctl and postgres; empty means search PATH and /usr/lib/postgresql/*/bin.</summary>
    public string BinDirectory { get; set; } = "";

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one at each start.</summary>
    public int Port { get; set; }

    /// <summary>Start the cluster when the web host needs it and it is not running.</summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>False turns off fsync and full-page writes: only for throwaway test clusters.</summary>
    public bool Durable { get; set; } = true;
}
