using Governance.Core.Database;
using Npgsql;

namespace Governance.Core.ChatStores;

/// <summary>The configured regional chat stores, each with one data source for the process.</summary>
public sealed class ChatStoreRegistry : IAsyncDisposable
{
    private readonly Dictionary<string, ChatStore> _stores;

    public ChatStoreRegistry(IEnumerable<ResolvedStore> stores)
    {
        _stores = stores.ToDictionary(
            s => s.Name,
            s => new ChatStore(s.Name, s.Region, NpgsqlDataSource.Create(s.ConnectionString), s.BlobRoot) { ConnectionString = s.ConnectionString },
            StringComparer.Ordinal);
    }

    public IReadOnlyCollection<ChatStore> All => _stores.Values;

    public ChatStore Get(string name) =>
        _stores.TryGetValue(name, out var store)
            ? store
            : throw new KeyNotFoundException($"No chat store named '{name}' is configured (known: {string.Join(", ", _stores.Keys)}).");

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores.Values)
        {
            await store.DataSource.DisposeAsync();
        }
    }
}
