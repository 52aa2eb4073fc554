using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Governance.Core.Erasure;

/// <summary>
/// The key sets a plan's reads bound, written as JSON so that a run resumed in another process binds exactly what
/// the first one read before anything changed: each set's element type and values.
/// </summary>
public static class KeySets
{
    private static readonly Dictionary<string, Type> Types = new[]
    {
        typeof(long), typeof(int), typeof(short), typeof(string), typeof(Guid), typeof(decimal), typeof(DateTime), typeof(DateTimeOffset), typeof(bool),
    }.ToDictionary(t => t.FullName!, StringComparer.Ordinal);

    public static string Write(IReadOnlyDictionary<string, Array> sets)
    {
        var root = new JsonObject();
        foreach (var (name, values) in sets.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var type = values.GetType().GetElementType()!;
            if (!Types.ContainsKey(type.FullName!))
            {
                throw new InvalidOperationException($"Key set @{name} holds values of type {type.Name}, which an erasure run cannot keep; map the key as text or a number.");
            }

            var items = new JsonArray();
            foreach (var v in values)
            {
                items.Add(v switch
                {
                    null => null,
                    DateTime d => JsonValue.Create(d.ToString("O", CultureInfo.InvariantCulture)),
                    DateTimeOffset d => JsonValue.Create(d.ToString("O", CultureInfo.InvariantCulture)),
                    Guid g => JsonValue.Create(g.ToString("D")),
                    _ => JsonValue.Create(v),
                });
            }

            root[name] = new JsonObject { ["type"] = type.FullName, ["values"] = items };
        }

        return root.ToJsonString();
    }

    public static Dictionary<string, Array> Read(string json)
    {
        var sets = new Dictionary<string, Array>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var set in doc.RootElement.EnumerateObject())
        {
            var type = Types[set.Value.GetProperty("type").GetString()!];
            var values = set.Value.GetProperty("values").EnumerateArray().ToList();
            var array = Array.CreateInstance(type, values.Count);
            for (var i = 0; i < values.Count; i++)
            {
                array.SetValue(Value(type, values[i]), i);
            }

            sets[set.Name] = array;
        }

        return sets;
    }

    private static object? Value(Type type, JsonElement e) => e.ValueKind == JsonValueKind.Null ? null
        : type == typeof(string) ? e.GetString()
        : type == typeof(Guid) ? Guid.Parse(e.GetString()!)
        : type == typeof(DateTime) ? DateTime.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
        : type == typeof(DateTimeOffset) ? DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
        : type == typeof(bool) ? e.GetBoolean()
        : Convert.ChangeType(e.GetRawText(), type, CultureInfo.InvariantCulture);
}
