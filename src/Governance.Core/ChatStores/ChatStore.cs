using Npgsql;

namespace Governance.Core.ChatStores;

/// <summary>A reachable regional store of the chat system: someone else's database, which the console reads through the data map.</summary>
public sealed record ChatStore(string Name, string Region, NpgsqlDataSource DataSource, string BlobRoot);
