using System.Text;
using YamlDotNet.RepresentationModel;

namespace Governance.Core.DataMap;

/// <summary>
/// Reads YAML nodes strictly: every unknown or duplicate key, wrong type or missing value becomes a problem with
/// its file, line and column, and reading goes on so that all problems of a file are reported at once.
/// </summary>
internal sealed class YamlBinder(string file, List<DataMapProblem> problems)
{
    public SourceLocation At(YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    public void Problem(YamlNode node, string message) => problems.Add(new DataMapProblem(At(node), message));

    /// <summary>Problems found so far (to tell whether a part just read was clean).</summary>
    public int ProblemCount => problems.Count;

    public MapReader? Map(YamlNode? node, string what, params string[] allowed)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Problem(node, $"{what} must be a mapping of keys to values, not {Describe(node)}.");
            return null;
        }

        return new MapReader(this, mapping, what, allowed);
    }

    public IEnumerable<YamlNode> Items(YamlNode? node, string what)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Problem(node, $"{what} must be a list, not {Describe(node)}.");
            return [];
        }

        return sequence.Children;
    }

    public string? Scalar(YamlNode? node, string what)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not YamlScalarNode scalar)
        {
            Problem(node, $"{what} must be a single value, not {Describe(node)}.");
            return null;
        }

        return scalar.Value;
    }

    public T? Enum<T>(YamlNode? node, string what)
        where T : struct, Enum
    {
        var text = Scalar(node, what);
        if (text is null)
        {
            return null;
        }

        foreach (var value in System.Enum.GetValues<T>())
        {
            if (Kebab(value.ToString()) == text)
            {
                return value;
            }
        }

        Problem(node!, $"'{text}' is not a known {what}; use one of: {string.Join(", ", System.Enum.GetValues<T>().Select(v => Kebab(v.ToString())))}.");
        return null;
    }

    public static string Kebab(string pascal) => NameStyle.Kebab(pascal);

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when string.IsNullOrEmpty(s.Value) => "an empty value",
        _ => "a single value",
    };

    /// <summary>The keys of one mapping, checked against the allowed ones.</summary>
    internal sealed class MapReader
    {
        private readonly YamlBinder _binder;
        private readonly Dictionary<string, YamlNode> _values = new(StringComparer.Ordinal);

        public MapReader(YamlBinder binder, YamlMappingNode mapping, string what, string[] allowed)
        {
            _binder = binder;
            Node = mapping;
            What = what;
            var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in mapping.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                {
                    binder.Problem(keyNode, $"A key in {what} must be a plain name.");
                    continue;
                }

                if (seen.TryGetValue(key, out var first))
                {
                    binder.Problem(keyNode, $"Duplicate key '{key}' in {what} (first at line {first.Start.Line}).");
                    continue;
                }

                seen[key] = keyNode;
                if (!allowed.Contains(key))
                {
                    binder.Problem(keyNode, $"Unknown key '{key}' in {what}; expected one of: {string.Join(", ", allowed)}.");
                    continue;
                }

                _values[key] = value;
            }
        }

        public YamlMappingNode Node { get; }

        /// <summary>How messages name this mapping; refined once its name is known (e.g. "collection 'users'").</summary>
        public string What { get; set; }

        public YamlNode? Get(string key) => _values.GetValueOrDefault(key);

        /// <summary>Where each key's value is, so that a later check can point at the line of the key it is about.</summary>
        public IReadOnlyDictionary<string, SourceLocation> Locations() => _values.ToDictionary(kv => kv.Key, kv => _binder.At(kv.Value), StringComparer.Ordinal);

        public YamlNode? Required(string key)
        {
            var node = Get(key);
            if (node is null || node is YamlScalarNode { Value: null or "" })
            {
                _binder.Problem(Node, $"{What} needs '{key}'.");
                return null;
            }

            return node;
        }

        public string? Text(string key, bool required = false) =>
            _binder.Scalar(required ? Required(key) : Get(key), $"'{key}' in {What}") is { Length: > 0 } s ? s : null;

        public bool Flag(string key)
        {
            var text = _binder.Scalar(Get(key), $"'{key}' in {What}");
            switch (text)
            {
                case null or "false":
                    return false;
                case "true":
                    return true;
                default:
                    _binder.Problem(Get(key)!, $"'{key}' in {What} must be true or false.");
                    return false;
            }
        }

        /// <summary>A list of names, written as a list or as one name.</summary>
        public IReadOnlyList<string> Names(string key, bool required = false)
        {
            var node = required ? Required(key) : Get(key);
            return node switch
            {
                null => [],
                YamlScalarNode s when !string.IsNullOrEmpty(s.Value) => [s.Value],
                YamlSequenceNode seq => seq.Children.Select(c => _binder.Scalar(c, $"an item of '{key}' in {What}")).OfType<string>().ToList(),
                _ => Fail(node),
            };

            IReadOnlyList<string> Fail(YamlNode n)
            {
                _binder.Problem(n, $"'{key}' in {What} must be a name or a list of names.");
                return [];
            }
        }
    }
}
