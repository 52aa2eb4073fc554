using System.Text.RegularExpressions;

namespace Governance.Core.DataMap.Discovery;

/// <summary>A reference drafted from a foreign key or from sampled values; <see cref="Relation"/> is null for a plain link between tables.</summary>
internal sealed record DraftReference(IReadOnlyList<string> Columns, string To, string? Relation, bool Array, string? JsonPath, string? Pattern, string? Derive, string Why);

/// <summary>A personal column, or a key inside a JSON column (<see cref="JsonPath"/>).</summary>
internal sealed record DraftField(string Column, string? JsonPath, string Category, bool Nullable, bool Text, string Why);

internal sealed record DraftIdentity(string Kind, string Table, string Column, bool CaseInsensitive, (string Column, string Value)? When, string? Via, string Why);

/// <summary>What discovery guessed about one table.</summary>
internal sealed class DraftTable(string name)
{
    public string Name { get; } = name;

    public bool Subject { get; init; }

    public List<string> Key { get; init; } = [];

    public bool KeyGuessed { get; init; }

    public string? DatedBy { get; init; }

    public string? Region { get; init; }

    public bool Deletes { get; set; }

    public List<DraftReference> References { get; } = [];

    public List<DraftField> Fields { get; } = [];

    public List<DraftIdentity> Identities { get; } = [];

    /// <summary>Columns read as JSON documents (their keys become fields and references).</summary>
    public HashSet<string> JsonColumns { get; } = new(StringComparer.Ordinal);

    public HashSet<string> EmailShaped { get; } = new(StringComparer.Ordinal);

    public HashSet<string> PhoneShaped { get; } = new(StringComparer.Ordinal);

    /// <summary>A column that says which kind of identity a row holds, and a value seen there (medium = email).</summary>
    public List<(string Column, string Value)> Mediums { get; } = [];

    /// <summary>Columns that point at a person (their erasure is the pointer's, not a field's).</summary>
    public HashSet<string> PointerColumns => References.Where(r => r.Relation is not null && r.JsonPath is null).SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);

    public IEnumerable<DraftReference> PlainPersonReferences(string subject) =>
        References.Where(r => r.To == subject && r.Relation is not null && !r.Array && r.JsonPath is null && r.Pattern is null && r.Columns.Count == 1);
}

/// <summary>The person's keys as the subject table holds them, and the forms other tables store them in.</summary>
internal sealed class SubjectKeys
{
    private static readonly string[] Separators = ["__", "::", ":", "|", "/", "_", "-", "."];

    private readonly HashSet<string> _exact;
    private readonly HashSet<string> _lower;
    private readonly HashSet<string> _local;

    public SubjectKeys(IReadOnlyList<string> keys)
    {
        _exact = keys.ToHashSet(StringComparer.Ordinal);
        _lower = keys.Select(k => k.ToLowerInvariant()).Where(k => !_exact.Contains(k)).ToHashSet(StringComparer.Ordinal);
        _local = keys.Select(Derivation.LocalPartOf).Where(k => k.Length > 0 && !_exact.Contains(k)).ToHashSet(StringComparer.Ordinal);
    }

    public bool Contains(string value) => _exact.Contains(value);

    /// <summary>Shares of sampled values that are keys as they are, in lower case (only), or as localparts (only).</summary>
    public (double Exact, double Lower, double LocalPart) Overlap(IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return (0, 0, 0);
        }

        double n = values.Count;
        var exact = values.Count(_exact.Contains);
        return (exact / n, (exact + values.Count(_lower.Contains)) / n, values.Count(_local.Contains) / n);
    }

    /// <summary>
    /// When values are made of the person's keys joined by a separator with fixed text around them (<c>idA__idB</c>,
    /// <c>dm:idA:idB</c>), a pattern whose id groups capture the keys; null when no shape covers enough values.
    /// </summary>
    public string? JoinedPattern(IReadOnlyList<string> values)
    {
        var shapes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            foreach (var sep in Separators)
            {
                var parts = v.Split(sep);
                if (parts.Count(_exact.Contains) < 2)
                {
                    continue;
                }

                var ids = 0;
                var pieces = parts.Select(p => _exact.Contains(p) ? $"(?<id{(++ids == 1 ? "" : ids.ToString(System.Globalization.CultureInfo.InvariantCulture))}>[^{Regex.Escape(sep[..1])}]+)" : Regex.Escape(p));
                var shape = "^" + string.Join(Regex.Escape(sep), pieces) + "$";
                shapes[shape] = shapes.GetValueOrDefault(shape) + 1;
                break;
            }
        }

        var best = shapes.OrderByDescending(s => s.Value).FirstOrDefault();
        return best.Key is not null && best.Value >= Math.Max(1, values.Count * 0.3) ? best.Key : null;
    }
}

/// <summary>Finds the table whose one-column key holds a column's sampled values (a link without a foreign key).</summary>
internal sealed class LinkFinder(SchemaCatalog catalog, ColumnSampler sampler, string subject)
{
    private readonly Dictionary<string, HashSet<string>> _keys = new(StringComparer.Ordinal);

    public async Task<CatalogColumn?> LinkTargetAsync(CatalogColumn column, IReadOnlyList<string> values, CancellationToken ct)
    {
        // Small numbers are in every table's keys: only columns named as ids, or text ids, and more than one value.
        if (values.Count < 2 || !(column.IsText || column.Name.Contains("id", StringComparison.OrdinalIgnoreCase) || column.Name.Contains("key", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        foreach (var (table, key) in catalog.Keys.Where(k => k.Value.Count == 1 && k.Key != subject && k.Key != column.Table).OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var keyColumn = catalog.Of(table).First(c => c.Name == key[0]);
            if (!_keys.TryGetValue(table, out var set))
            {
                _keys[table] = set = (await sampler.AllKeysAsync(table, key[0], ct)).ToHashSet(StringComparer.Ordinal);
            }

            if (keyColumn.IsIdLike && values.Count(set.Contains) >= values.Count * 0.8)
            {
                return keyColumn;
            }
        }

        return null;
    }
}
