namespace Governance.Core.ChatStores;

/// <summary>One regional store of the chat system, as configured under <c>ChatStores:&lt;name&gt;</c>.</summary>
public sealed class ChatStoreOptions
{
    public const string Section = "ChatStores";

    /// <summary>The region the store's data lives in (eu, us, cn, ...).</summary>
    public string Region { get; set; } = "";

    /// <summary>Connection string of the store; empty means a database on the embedded cluster.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Connection string of the store's owner, for the demo seeder, <c>datamap discover</c>, live validation and
    /// <c>db grants --apply</c>; empty means the same as <see cref="ConnectionString"/> (or the local superuser).
    /// </summary>
    public string OwnerConnectionString { get; set; } = "";

    /// <summary>Database name on the embedded cluster when no connection string is set; empty means <c>chat_&lt;name&gt;</c>.</summary>
    public string Database { get; set; } = "";

    /// <summary>Folder of the store's files; empty means <c>&lt;DataDirectory&gt;/blobs/&lt;region&gt;</c>.</summary>
    public string BlobRoot { get; set; } = "";
}
