using System.Globalization;
using System.Security.Cryptography;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Governance.Jobs.Reports;

/// <summary>A rendered report: its bytes, its page count and its SHA-256 (what the governance database records).</summary>
public sealed record RenderedReport(byte[] Pdf, int Pages, string Sha256);

/// <summary>
/// Lays a <see cref="ReportDocument"/> out on A4 pages and draws it with PDFsharp: text measured per font run and
/// wrapped (Latin at spaces, Chinese between any two characters), tables whose header repeats on each page and
/// whose rows never split mid-line, key-value blocks, vector charts, a cover page, and a header and footer on every
/// page with "Page X of Y" (laid out first, drawn once the page count is known). The same document and clock give
/// the same bytes.
/// </summary>
public static class ReportRenderer
{
    private const double PageWidth = 595.28;
    private const double PageHeight = 841.89;
    private const double Margin = 48;
    private const double BodyTop = Margin + 28;
    private const double BodyBottom = PageHeight - Margin - 24;
    private const double BodyWidth = PageWidth - (2 * Margin);
    private const double CellPadding = 3;

    private static readonly XColor Ink = XColor.FromArgb(33, 37, 41);
    private static readonly XColor Muted = XColor.FromArgb(108, 117, 125);
    private static readonly XColor Rule = XColor.FromArgb(206, 212, 218);
    private static readonly XColor HeaderFill = XColor.FromArgb(222, 226, 230);
    private static readonly XColor ZebraFill = XColor.FromArgb(245, 246, 248);
    private static readonly XColor Accent = XColor.FromArgb(15, 108, 189);

    public static RenderedReport Render(ReportDocument document)
    {
        var fonts = ReportFonts.Instance;
        var measure = XGraphics.CreateMeasureContext(new XSize(PageWidth, PageHeight), XGraphicsUnit.Point, XPageDirection.Downwards);
        var text = new TextMeasure(fonts, measure);
        var layout = new Layout(text);
        layout.Lay(document);

        using var pdf = new PdfDocument();
        pdf.Info.Title = document.Title;
        pdf.Info.Author = document.GeneratedBy;
        pdf.Info.Subject = document.Identifier;
        pdf.Info.Creator = "Governance console";
        pdf.Info.CreationDate = document.GeneratedAt.UtcDateTime;
        pdf.Info.ModificationDate = document.GeneratedAt.UtcDateTime;
        pdf.Options.CompressContentStreams = true;
        var pages = layout.Pages;
        for (var i = 0; i < pages.Count; i++)
        {
            var page = pdf.AddPage();
            page.Width = XUnit.FromPoint(PageWidth);
            page.Height = XUnit.FromPoint(PageHeight);
            using var gfx = XGraphics.FromPdfPage(page);
            foreach (var op in pages[i])
            {
                op.Draw(gfx, text);
            }

            DrawFrame(gfx, text, document, i + 1, pages.Count);
        }

        using var stream = new MemoryStream();
        pdf.Save(stream, closeStream: false);
        var bytes = Deterministic(stream.ToArray(), document);
        return new RenderedReport(bytes, pages.Count, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>
    /// PDFsharp writes a random file identifier and random six-letter tags before the names of subset fonts: both are
    /// replaced, length for length (so the cross-reference offsets stay right), with values derived from the document,
    /// so that the same report is the same bytes.
    /// </summary>
    private static byte[] Deterministic(byte[] pdf, ReportDocument document)
    {
        var seed = MD5.HashData(System.Text.Encoding.UTF8.GetBytes(document.Identifier + "|" + document.GeneratedAt.ToString("O", CultureInfo.InvariantCulture)));
        var latin = System.Text.Encoding.Latin1.GetString(pdf);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match tag in System.Text.RegularExpressions.Regex.Matches(latin, @"/([A-Z]{6})\+"))
        {
            var random = tag.Groups[1].Value;
            if (!tags.TryGetValue(random, out var fixedTag))
            {
                var n = tags.Count;
                fixedTag = "GOV" + (char)('A' + (n / 676 % 26)) + (char)('A' + (n / 26 % 26)) + (char)('A' + (n % 26));
                tags[random] = fixedTag;
            }

            System.Text.Encoding.ASCII.GetBytes(fixedTag).CopyTo(pdf, tag.Groups[1].Index);
        }

        // The file identifier (trailer /ID) and the XMP metadata's document and instance ids.
        var id = Convert.ToHexString(seed);
        var index = 0;
        foreach (System.Text.RegularExpressions.Match uuid in System.Text.RegularExpressions.Regex.Matches(latin, "uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"))
        {
            seed[0] ^= (byte)index++;
            System.Text.Encoding.ASCII.GetBytes(new Guid(seed).ToString("D")).CopyTo(pdf, uuid.Groups[1].Index);
        }

        var tail = System.Text.Encoding.Latin1.GetString(pdf, Math.Max(0, pdf.Length - 2048), Math.Min(2048, pdf.Length));
        var match = System.Text.RegularExpressions.Regex.Match(tail, @"/ID\s*\[\s*<([0-9A-Fa-f]{32})>\s*<([0-9A-Fa-f]{32})>\s*\]");
        if (!match.Success)
        {
            return pdf;
        }

        var start = pdf.Length - tail.Length;
        foreach (var group in new[] { match.Groups[1], match.Groups[2] })
        {
            System.Text.Encoding.ASCII.GetBytes(id).CopyTo(pdf, start + group.Index);
        }

        return pdf;
    }

    private static void DrawFrame(XGraphics gfx, TextMeasure text, ReportDocument document, int page, int pages)
    {
        var t = document.Text;
        text.Draw(gfx, document.Title, Margin, Margin, 9, bold: true, Ink);
        if (document.Period is { } period)
        {
            var label = $"{t.PeriodLabel}: {period}";
            text.Draw(gfx, label, PageWidth - Margin - text.Width(label, 9, false), Margin, 9, bold: false, Muted);
        }

        gfx.DrawLine(new XPen(Rule, 0.6), Margin, Margin + 16, PageWidth - Margin, Margin + 16);
        var footerY = PageHeight - Margin - 10;
        gfx.DrawLine(new XPen(Rule, 0.6), Margin, footerY - 6, PageWidth - Margin, footerY - 6);
        var generated = $"{t.Generated} {document.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC {t.By} {document.GeneratedBy} · {t.Document} {document.Identifier}";
        text.Draw(gfx, generated, Margin, footerY, 7.5, bold: false, Muted);
        var pageOf = t.PageOf(page, pages);
        text.Draw(gfx, pageOf, PageWidth - Margin - text.Width(pageOf, 7.5, false), footerY, 7.5, bold: false, Muted);
    }

    /// <summary>Measuring and drawing text in runs of the face that has the glyphs.</summary>
    private sealed class TextMeasure(ReportFonts fonts, XGraphics measure)
    {
        private readonly Dictionary<(ReportFace, double, bool), XFont> _fonts = [];
        private readonly Dictionary<(string, double, bool), double> _widths = [];

        public XFont Font(ReportFace face, double size, bool bold)
        {
            if (!_fonts.TryGetValue((face, size, bold), out var font))
            {
                font = new XFont(face == ReportFace.Sans ? ReportFonts.SansFamily : ReportFonts.CjkFamily, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
                _fonts[(face, size, bold)] = font;
            }

            return font;
        }

        public double Width(string text, double size, bool bold)
        {
            if (_widths.TryGetValue((text, size, bold), out var known))
            {
                return known;
            }

            var width = 0.0;
            foreach (var (run, face) in fonts.Runs(text))
            {
                width += measure.MeasureString(run, Font(face, size, bold)).Width;
            }

            if (_widths.Count < 200_000)
            {
                _widths[(text, size, bold)] = width;
            }

            return width;
        }

        public void Draw(XGraphics gfx, string text, double x, double y, double size, bool bold, XColor color)
        {
            var brush = new XSolidBrush(color);
            foreach (var (run, face) in fonts.Runs(text))
            {
                var font = Font(face, size, bold);
                gfx.DrawString(run, font, brush, x, y, XStringFormats.TopLeft);
                x += gfx.MeasureString(run, font).Width;
            }
        }

        /// <summary>Greedy line breaking: at spaces in Latin text, between any two characters of Chinese, inside a word only when it alone is too wide.</summary>
        public List<string> Wrap(string text, double width, double size, bool bold)
        {
            var lines = new List<string>();
            foreach (var paragraph in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
            {
                var line = "";
                foreach (var token in Tokens(paragraph))
                {
                    if (line.Length > 0 && Width((line + token).TrimEnd(), size, bold) > width)
                    {
                        lines.Add(line.TrimEnd());
                        line = token.TrimStart();
                    }
                    else
                    {
                        line += token;
                    }

                    // A word wider than the whole line (a hash, an id) is cut where it no longer fits, as often as needed.
                    while (line.TrimEnd().Length > 1 && Width(line.TrimEnd(), size, bold) > width)
                    {
                        var fits = LongestFit(line, width, size, bold);
                        lines.Add(line[..fits]);
                        line = line[fits..];
                    }
                }

                lines.Add(line.TrimEnd());
            }

            return lines;
        }

        /// <summary>The length of the longest start of <paramref name="line"/> that fits (one character at least).</summary>
        private int LongestFit(string line, double width, double size, bool bold)
        {
            int low = 1, high = line.Length;
            while (low < high)
            {
                var mid = (low + high + 1) / 2;
                if (Width(line[..mid], size, bold) <= width)
                {
                    low = mid;
                }
                else
                {
                    high = mid - 1;
                }
            }

            return low;
        }

        private IEnumerable<string> Tokens(string text)
        {
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var cjk = fonts.FaceFor(text[i]) == ReportFace.Cjk;
                // A break may follow a space, and the joints of identifiers and paths (conversation_members, a/b, x-y).
                var joint = text[i] is '_' or '/' or '-' && i > start && i + 1 < text.Length && text[i + 1] != ' ';
                if (cjk || joint || (text[i] == ' ' && (i + 1 == text.Length || text[i + 1] != ' ')))
                {
                    if (cjk && i > start)
                    {
                        yield return text[start..i];
                        start = i;
                    }

                    yield return text[start..(i + 1)];
                    start = i + 1;
                }
            }

            if (start < text.Length)
            {
                yield return text[start..];
            }
        }
    }

    private abstract record Op
    {
        public abstract void Draw(XGraphics gfx, TextMeasure text);
    }

    private sealed record TextOp(string Text, double X, double Y, double Size, bool Bold, XColor Color) : Op
    {
        public override void Draw(XGraphics gfx, TextMeasure text) => text.Draw(gfx, Text, X, Y, Size, Bold, Color);
    }

    private sealed record RectOp(double X, double Y, double W, double H, XColor Fill) : Op
    {
        public override void Draw(XGraphics gfx, TextMeasure text) => gfx.DrawRectangle(new XSolidBrush(Fill), X, Y, W, H);
    }

    private sealed record LineOp(double X1, double Y1, double X2, double Y2, double Width, XColor Color) : Op
    {
        public override void Draw(XGraphics gfx, TextMeasure text) => gfx.DrawLine(new XPen(Color, Width), X1, Y1, X2, Y2);
    }

    private sealed record PolylineOp(XPoint[] Points, XColor Color) : Op
    {
        public override void Draw(XGraphics gfx, TextMeasure text)
        {
            gfx.DrawLines(new XPen(Color, 1.4), Points);
            foreach (var p in Points)
            {
                gfx.DrawEllipse(new XSolidBrush(Color), p.X - 2, p.Y - 2, 4, 4);
            }
        }
    }

    /// <summary>The first pass: blocks to positioned drawing operations, page by page.</summary>
    private sealed class Layout(TextMeasure text)
    {
        private double _y = BodyTop;

        public List<List<Op>> Pages { get; } = [[]];

        private List<Op> Page => Pages[^1];

        private void NewPage()
        {
            Pages.Add([]);
            _y = BodyTop;
        }

        private void Room(double height)
        {
            if (_y + height > BodyBottom && _y > BodyTop)
            {
                NewPage();
            }
        }

        private static double LineHeight(double size) => Math.Round(size * 1.35, 2);

        public void Lay(ReportDocument document)
        {
            if (document.Cover.Count > 0)
            {
                _y = 220;
                foreach (var line in text.Wrap(document.Title, BodyWidth, 24, true))
                {
                    Page.Add(new TextOp(line, Margin, _y, 24, true, Ink));
                    _y += LineHeight(24);
                }

                Page.Add(new LineOp(Margin, _y + 8, Margin + 120, _y + 8, 3, Accent));
                _y += 30;
                KeyValues(document.Cover);
                NewPage();
            }

            foreach (var block in document.Blocks)
            {
                switch (block)
                {
                    case HeadingBlock h:
                        var size = h.Level <= 1 ? 15 : 12;
                        Room(LineHeight(size) * 3);
                        _y += h.Level <= 1 ? 10 : 6;
                        Lines(h.Text, Margin, BodyWidth, size, true, h.Level <= 1 ? Accent : Ink);
                        _y += 4;
                        break;
                    case ParagraphBlock p:
                        Lines(p.Text, Margin, BodyWidth, p.Size, p.Bold, Ink);
                        _y += 6;
                        break;
                    case KeyValueBlock kv:
                        KeyValues(kv.Items);
                        _y += 6;
                        break;
                    case TableBlock t:
                        Table(t);
                        _y += 8;
                        break;
                    case ChartBlock c:
                        Chart(c);
                        _y += 8;
                        break;
                    case PageBreakBlock:
                        NewPage();
                        break;
                }
            }
        }

        private void Lines(string value, double x, double width, double size, bool bold, XColor color)
        {
            foreach (var line in text.Wrap(value, width, size, bold))
            {
                Room(LineHeight(size));
                Page.Add(new TextOp(line, x, _y, size, bold, color));
                _y += LineHeight(size);
            }
        }

        private void KeyValues(IReadOnlyList<(string Key, string Value)> items)
        {
            const double Size = 9.5;
            var keyWidth = BodyWidth * 0.32;
            foreach (var (key, value) in items)
            {
                var keys = text.Wrap(key, keyWidth - 8, Size, true);
                var values = text.Wrap(value, BodyWidth - keyWidth, Size, false);
                var height = Math.Max(keys.Count, values.Count) * LineHeight(Size) + 4;
                Room(height);
                for (var i = 0; i < keys.Count; i++)
                {
                    Page.Add(new TextOp(keys[i], Margin, _y + (i * LineHeight(Size)), Size, true, Muted));
                }

                for (var i = 0; i < values.Count; i++)
                {
                    Page.Add(new TextOp(values[i], Margin + keyWidth, _y + (i * LineHeight(Size)), Size, false, Ink));
                }

                _y += height;
            }
        }

        private void Table(TableBlock table)
        {
            const double Size = 8;
            var total = table.Columns.Sum(c => c.Weight);
            var widths = table.Columns.Select(c => BodyWidth * c.Weight / total).ToArray();
            var header = table.Columns.Select((c, i) => text.Wrap(c.Header, widths[i] - (2 * CellPadding), Size, true)).ToList();
            var headerHeight = (header.Max(h => h.Count) * LineHeight(Size)) + (2 * CellPadding);

            void Header()
            {
                Page.Add(new RectOp(Margin, _y, BodyWidth, headerHeight, HeaderFill));
                Cells(header, table, widths, Size, true);
                _y += headerHeight;
            }

            Room(headerHeight + LineHeight(Size) + (2 * CellPadding));
            Header();
            for (var r = 0; r < table.Rows.Count; r++)
            {
                var cells = table.Rows[r].Select((v, i) => text.Wrap(v, widths[i] - (2 * CellPadding), Size, false)).ToList();
                var lines = cells.Max(c => c.Count);
                var fits = (int)((BodyBottom - BodyTop - headerHeight - (2 * CellPadding)) / LineHeight(Size));
                // A row taller than a whole page is split between lines; any other row moves whole to the next page.
                for (var from = 0; from < lines; from += fits)
                {
                    var part = cells.Select(c => c.Skip(from).Take(fits).ToList()).ToList();
                    var height = (part.Max(c => c.Count) * LineHeight(Size)) + (2 * CellPadding);
                    if (_y + height > BodyBottom)
                    {
                        NewPage();
                        Header();
                    }

                    if (r % 2 == 1)
                    {
                        Page.Add(new RectOp(Margin, _y, BodyWidth, height, ZebraFill));
                    }

                    Cells(part, table, widths, Size, false);
                    _y += height;
                }
            }

            Page.Add(new LineOp(Margin, _y, Margin + BodyWidth, _y, 0.6, Rule));
        }

        private void Cells(List<List<string>> cells, TableBlock table, double[] widths, double size, bool bold)
        {
            var x = Margin;
            for (var c = 0; c < cells.Count; c++)
            {
                for (var l = 0; l < cells[c].Count; l++)
                {
                    var line = cells[c][l];
                    var left = table.Columns[c].AlignRight ? x + widths[c] - CellPadding - text.Width(line, size, bold) : x + CellPadding;
                    Page.Add(new TextOp(line, left, _y + CellPadding + (l * LineHeight(size)), size, bold, Ink));
                }

                x += widths[c];
            }
        }

        private void Chart(ChartBlock chart)
        {
            const double Height = 190;
            Room(Height + 20);
            Page.Add(new TextOp(chart.Title, Margin, _y, 10, true, Ink));
            var top = _y + 22;
            var left = Margin + 36;
            var bottom = top + Height - 40;
            var width = BodyWidth - 40;
            var max = chart.Points.Count == 0 ? 1 : Math.Max(1, chart.Points.Max(p => p.Value));
            var scale = NiceCeiling(max);
            Page.Add(new LineOp(left, top, left, bottom, 0.8, Muted));
            Page.Add(new LineOp(left, bottom, left + width, bottom, 0.8, Muted));
            for (var i = 0; i <= 4; i++)
            {
                var y = bottom - ((bottom - top) * i / 4);
                var label = Format(scale * i / 4);
                Page.Add(new LineOp(left, y, left + width, y, 0.3, Rule));
                Page.Add(new TextOp(label, left - 4 - text.Width(label, 7, false), y - 4, 7, false, Muted));
            }

            var n = Math.Max(1, chart.Points.Count);
            var step = width / n;
            var every = Math.Max(1, (int)Math.Ceiling(n / 12.0)); // at most twelve labels along the axis
            var points = new List<XPoint>();
            for (var i = 0; i < chart.Points.Count; i++)
            {
                var (label, value) = chart.Points[i];
                var h = (bottom - top) * value / scale;
                var cx = left + (step * i) + (step / 2);
                if (chart.Kind == ChartKind.Bar)
                {
                    Page.Add(new RectOp(cx - (step * 0.3), bottom - h, step * 0.6, h, Accent));
                    var shown = Format(value);
                    Page.Add(new TextOp(shown, cx - (text.Width(shown, 6.5, false) / 2), bottom - h - 9, 6.5, false, Ink));
                }
                else
                {
                    points.Add(new XPoint(cx, bottom - h));
                }

                if (i % every == 0)
                {
                    Page.Add(new TextOp(label, cx - (text.Width(label, 6.5, false) / 2), bottom + 4, 6.5, false, Muted));
                }
            }

            if (points.Count > 1)
            {
                Page.Add(new PolylineOp(points.ToArray(), Accent));
            }

            if (chart.Unit is { } unit)
            {
                Page.Add(new TextOp(unit, Margin, top - 10, 7, false, Muted));
            }

            _y = bottom + 20;
        }

        private static double NiceCeiling(double value)
        {
            var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
            foreach (var m in new[] { 1.0, 2, 2.5, 5, 10 })
            {
                if (m * magnitude >= value)
                {
                    return m * magnitude;
                }
            }

            return 10 * magnitude;
        }

        private static string Format(double value) =>
            value == Math.Floor(value) ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("N1", CultureInfo.InvariantCulture);
    }
}
