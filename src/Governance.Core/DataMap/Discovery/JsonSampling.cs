using System.Text.Json;
using System.Text.RegularExpressions;

namespace Governance.Core.DataMap.Discovery;

/// <summary>JSON documents sampled from a column: their keys become fields (by name) and references (by values that are the person's keys).</summary>
internal static partial class JsonSampling
{
    private const int MaxDepth = 5;

    public static List<JsonElement> Documents(IReadOnlyList<string> values)
    {
        var documents = new List<JsonElement>();
        foreach (var v in values)
        {
            var t = v.TrimStart();
            if (t.Length == 0 || (t[0] != '{' && t[0] != '['))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(v);
                documents.Add(doc.RootElement.Clone());
            }
            catch (JsonException)
            {
            }
        }

        return documents;
    }

    public static void Draft(DraftTable draft, CatalogColumn column, List<JsonElement> documents, string subject, SubjectKeys keys)
    {
        var paths = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in documents)
        {
            Walk(d, "$", "", 0, paths, names);
        }

        var found = false;
        foreach (var (path, values) in paths.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var distinct = values.Distinct(StringComparer.Ordinal).ToList();
            if (distinct.Count > 0 && distinct.Count(keys.Contains) >= distinct.Count * 0.5)
            {
                var name = names[path];
                draft.References.Add(new DraftReference([column.Name], subject, DataMapDiscovery.Relation(path, fallback: "about"), false, path, null, null, $"ids of the person at {path} in sampled documents"));
                draft.Fields.Add(new DraftField(column.Name, path, "metadata", true, true, "points at the person"));
                found = true;
            }
            else if (!path.Contains("[*]", StringComparison.Ordinal) && DataMapDiscovery.NameCategory(names[path]) is { } category)
            {
                draft.Fields.Add(new DraftField(column.Name, path, category, true, true, $"key '{names[path]}' in sampled documents"));
                found = true;
            }
        }

        if (!found)
        {
            draft.Fields.Add(new DraftField(column.Name, null, "content", column.Nullable, column.IsText, $"{column.DataType} holding JSON"));
        }
    }

    /// <summary>Text values (and lists of text) by path; objects inside lists followed one level.</summary>
    private static void Walk(JsonElement e, string path, string name, int depth, Dictionary<string, List<string>> paths, Dictionary<string, string> names)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject().Where(p => Key().IsMatch(p.Name)))
                {
                    var segment = Plain().IsMatch(p.Name) ? "." + p.Name : $".\"{p.Name}\"";
                    Walk(p.Value, path + segment, p.Name, depth + 1, paths, names);
                }

                break;
            case JsonValueKind.Array when path != "$":
                foreach (var item in e.EnumerateArray().Take(20))
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        Add(path + "[*]", name, item.GetString()!, paths, names);
                    }
                    else if (item.ValueKind == JsonValueKind.Object && !path.Contains("[*]", StringComparison.Ordinal))
                    {
                        Walk(item, path + "[*]", name, depth + 1, paths, names);
                    }
                }

                break;
            case JsonValueKind.String when path != "$":
                Add(path, name, e.GetString()!, paths, names);
                break;
        }
    }

    private static void Add(string path, string name, string value, Dictionary<string, List<string>> paths, Dictionary<string, string> names)
    {
        if (!JsonPaths.IsValid(path))
        {
            return;
        }

        if (!paths.TryGetValue(path, out var list))
        {
            paths[path] = list = [];
            names[path] = name;
        }

        if (list.Count < ColumnSampler.Size)
        {
            list.Add(value);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,100}\\z")]
    private static partial Regex Key();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}\\z")]
    private static partial Regex Plain();
}
