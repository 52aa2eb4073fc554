using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Governance.Core.DataMap;

/// <summary>One change inside a JSON document: remove the value at a path (the key, or the array element), or replace it with a text.</summary>
/// <param name="OnlyValues">When set, only string values in this set are changed (a person's id among others).</param>
public sealed record JsonChange(string Path, string? ReplaceWith, IReadOnlySet<string>? OnlyValues = null);

/// <summary>What an edit did to one document.</summary>
public enum JsonEditOutcome
{
    Unchanged,
    Changed,
    /// <summary>The text is not JSON: left as it is, and counted.</summary>
    NotJson,
}

/// <summary>
/// Edits JSON text in place: only the bytes of the values a change names are replaced or removed (with the comma
/// that separated them); every other byte of the document stays as it was, so that a document kept in a TEXT column
/// keeps its formatting, key order and escapes.
/// </summary>
public static class JsonTextEditor
{
    private static readonly JsonReaderOptions Strict = new() { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 128 };

    public static (string Text, JsonEditOutcome Outcome) Apply(string text, IReadOnlyList<JsonChange> changes)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var targets = changes.Select(c => (Change: c, Steps: Steps(c.Path))).ToList();
        var splices = new List<(int Start, int End, string? With)>();
        try
        {
            var reader = new Utf8JsonReader(bytes, Strict);
            var path = new List<string?>(); // property names; null for an array element
            var containers = new Stack<(bool IsArray, int Depth)>();
            string? property = null;
            var propertyStart = -1;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        propertyStart = (int)reader.TokenStartIndex;
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        containers.Pop();
                        if (path.Count > 0)
                        {
                            path.RemoveAt(path.Count - 1);
                        }

                        continue;
                }

                var inArray = containers.Count > 0 && containers.Peek().IsArray;
                var here = containers.Count == 0 ? path : [.. path, inArray ? null : property];
                var start = (int)reader.TokenStartIndex;
                var stringValue = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                var hit = targets.FirstOrDefault(t => Matches(t.Steps, here) && (t.Change.OnlyValues is null || (stringValue is not null && t.Change.OnlyValues.Contains(stringValue))));
                if (hit.Change is not null)
                {
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }

                    var end = (int)reader.BytesConsumed;
                    splices.Add(hit.Change.ReplaceWith is null
                        ? (inArray ? start : propertyStart, end, null)
                        : (start, end, "\"" + JsonEncodedText.Encode(hit.Change.ReplaceWith, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() + "\""));
                    continue;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (containers.Count > 0)
                    {
                        path.Add(inArray ? null : property);
                    }

                    containers.Push((reader.TokenType == JsonTokenType.StartArray, reader.CurrentDepth));
                }
            }
        }
        catch (JsonException)
        {
            return (text, JsonEditOutcome.NotJson);
        }

        if (splices.Count == 0)
        {
            return (text, JsonEditOutcome.Unchanged);
        }

        var result = new List<byte>(bytes);
        foreach (var (s, e, with) in splices.OrderByDescending(x => x.Start))
        {
            var (from, to) = with is null ? WithComma(result, s, e) : (s, e);
            result.RemoveRange(from, to - from);
            if (with is not null)
            {
                result.InsertRange(from, Encoding.UTF8.GetBytes(with));
            }
        }

        return (Encoding.UTF8.GetString(result.ToArray()), JsonEditOutcome.Changed);
    }

    /// <summary>Reads a text value at a path without wildcards (a discriminator such as <c>$.type</c>); null when absent, not text, or not JSON.</summary>
    public static string? ValueAt(string text, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var e = doc.RootElement;
            foreach (var segment in JsonPaths.Parse(path))
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(segment.Name, out e))
                {
                    return null;
                }
            }

            return e.ValueKind switch
            {
                JsonValueKind.String => e.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A path as steps from the root: a key name, or null for "each element of the array here".</summary>
    private static List<string?> Steps(string path)
    {
        var steps = new List<string?>();
        foreach (var s in JsonPaths.Parse(path))
        {
            steps.Add(s.Name);
            if (s.EachElement)
            {
                steps.Add(null);
            }
        }

        return steps;
    }

    private static bool Matches(List<string?> steps, List<string?> here) =>
        steps.Count == here.Count && steps.Zip(here).All(p => p.First == p.Second);

    /// <summary>A removed member or element takes one separating comma with it, so that the document stays valid.</summary>
    private static (int From, int To) WithComma(List<byte> b, int start, int end)
    {
        var after = end;
        while (after < b.Count && IsSpace(b[after]))
        {
            after++;
        }

        if (after < b.Count && b[after] == (byte)',')
        {
            after++;
            while (after < b.Count && IsSpace(b[after]))
            {
                after++;
            }

            return (start, after);
        }

        var before = start - 1;
        while (before >= 0 && IsSpace(b[before]))
        {
            before--;
        }

        return before >= 0 && b[before] == (byte)',' ? (before, end) : (start, end);
    }

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
