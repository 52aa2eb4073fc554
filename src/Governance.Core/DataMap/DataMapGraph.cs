using System.Globalization;
using System.Net;
using System.Text;

namespace Governance.Core.DataMap;

/// <summary>
/// The map's reference graph as an SVG picture: the person's collection on the left, the collections that point
/// at the person next, the rest after; an arrow for each reference, person references drawn in colour and
/// labelled with their relation.
/// </summary>
public static class DataMapGraph
{
    private const int NodeWidth = 180;
    private const int NodeHeight = 30;
    private const int ColumnGap = 110;
    private const int RowGap = 18;

    public static string Svg(DataMapDocument map)
    {
        var subject = map.Collections.FirstOrDefault(c => c.Subject) ?? map.Collections.FirstOrDefault();
        if (subject is null)
        {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>";
        }

        var pointing = map.Collections.Where(c => c != subject && c.References.Any(r => r.To == subject.Name && r.Relation != Relation.Link)).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var layers = new[]
        {
            new List<Collection> { subject },
            map.Collections.Where(c => pointing.Contains(c.Name)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList(),
            map.Collections.Where(c => c != subject && !pointing.Contains(c.Name)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList(),
        };
        var position = new Dictionary<string, (int X, int Y)>(StringComparer.Ordinal);
        var tallest = layers.Max(l => l.Count);
        var height = 40 + (tallest * (NodeHeight + RowGap));
        for (var layer = 0; layer < layers.Length; layer++)
        {
            var top = (height - (layers[layer].Count * (NodeHeight + RowGap))) / 2;
            for (var i = 0; i < layers[layer].Count; i++)
            {
                position[layers[layer][i].Name] = (20 + (layer * (NodeWidth + ColumnGap)), top + (i * (NodeHeight + RowGap)));
            }
        }

        var width = 40 + (layers.Length * (NodeWidth + ColumnGap)) - ColumnGap;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Reference graph of data map {E(map.Name)}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#605e5c\"/></marker>");
        sb.Append("<marker id=\"arrow-person\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#c50f1f\"/></marker></defs>");
        foreach (var c in map.Collections)
        {
            foreach (var r in c.References.Where(r => position.ContainsKey(r.To)))
            {
                var (fx, fy) = position[c.Name];
                var (tx, ty) = position[r.To];
                var person = r.Relation != Relation.Link;
                var (x1, x2) = fx > tx ? (fx, tx + NodeWidth) : fx < tx ? (fx + NodeWidth, tx) : (fx + NodeWidth, tx + NodeWidth);
                var y1 = fy + (NodeHeight / 2);
                var y2 = ty + (NodeHeight / 2);
                var path = fx == tx
                    ? $"M {x1} {y1} C {x1 + 60} {y1}, {x2 + 60} {y2}, {x2} {y2}"
                    : $"M {x1} {y1} C {(x1 + x2) / 2} {y1}, {(x1 + x2) / 2} {y2}, {x2} {y2}";
                sb.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"{(person ? "#c50f1f" : "#8a8886")}\" stroke-width=\"{(person ? 1.6 : 1)}\" marker-end=\"url(#{(person ? "arrow-person" : "arrow")})\" data-from=\"{E(c.Name)}\" data-to=\"{E(r.To)}\"><title>{E(c.Name)}.{E(string.Join(", ", r.Columns))} → {E(r.To)}{(person ? $" ({r.Relation.ToString().ToLowerInvariant()})" : "")}</title></path>");
            }
        }

        foreach (var c in map.Collections)
        {
            var (x, y) = position[c.Name];
            var fill = c == subject ? "#fde7e9" : c.RowErasure == RowErasure.Delete ? "#f3f2f1" : "#eff6fc";
            sb.Append(CultureInfo.InvariantCulture, $"<g data-collection=\"{E(c.Name)}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NodeWidth}\" height=\"{NodeHeight}\" rx=\"5\" fill=\"{fill}\" stroke=\"#605e5c\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 8}\" y=\"{y + 19}\">{E(c.Name)}{(c.Fields.Count > 0 ? $" ({c.Fields.Count})" : "")}{(c.RowErasure == RowErasure.Delete ? " ✕" : "")}</text></g>");
        }

        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
