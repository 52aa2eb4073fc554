using System.Buffers.Binary;
using PdfSharp.Fonts;

namespace Governance.Jobs.Reports;

/// <summary>The faces a report draws with; each run of text takes the first face that has its glyphs.</summary>
public enum ReportFace
{
    /// <summary>DejaVu Sans: Latin, Greek, Cyrillic and many symbols.</summary>
    Sans,

    /// <summary>WenQuanYi Micro Hei (face 0 of its collection): Chinese, Japanese kana, Korean, and the rest it covers.</summary>
    Cjk,
}

/// <summary>
/// Fonts for reports: TrueType files from Debian's packages (fonts-dejavu-core, fonts-wqy-microhei), loaded once,
/// with the characters each covers read from its cmap so that text falls back per run to a face that has the
/// glyphs. PDFsharp cannot read a .ttc collection, so face 0 is copied out of it into a standalone font.
/// </summary>
public sealed class ReportFonts : IFontResolver
{
    public const string SansFamily = "GovSans";
    public const string CjkFamily = "GovCjk";

    private static readonly Lazy<ReportFonts> Shared = new(() => new ReportFonts(ReportFontFiles.Default));
    private static readonly object InstallLock = new();
    private static bool _installed;

    private readonly Dictionary<string, byte[]> _faces = new(StringComparer.Ordinal);
    private readonly HashSet<int> _sansCoverage;
    private readonly HashSet<int> _cjkCoverage;

    private ReportFonts(ReportFontFiles files)
    {
        var regular = Read(files.Sans);
        var bold = Read(files.SansBold);
        var cjk = files.Cjk.EndsWith(".ttc", StringComparison.OrdinalIgnoreCase) ? FirstFaceOfCollection(Read(files.Cjk)) : Read(files.Cjk);
        _faces["sans"] = regular;
        _faces["sans-bold"] = bold;
        _faces["cjk"] = cjk;
        _sansCoverage = Coverage(regular);
        _cjkCoverage = Coverage(cjk);
    }

    /// <summary>The fonts, installed as PDFsharp's resolver for the process (once).</summary>
    public static ReportFonts Instance
    {
        get
        {
            var fonts = Shared.Value;
            lock (InstallLock)
            {
                if (!_installed)
                {
                    GlobalFontSettings.FontResolver = fonts;
                    _installed = true;
                }
            }

            return fonts;
        }
    }

    /// <summary>The face that draws a character: the Latin face where it has the glyph, else the CJK face where it has it, else the Latin face.</summary>
    public ReportFace FaceFor(int codePoint) =>
        _sansCoverage.Contains(codePoint) || char.IsWhiteSpace((char)Math.Min(codePoint, char.MaxValue)) ? ReportFace.Sans
        : _cjkCoverage.Contains(codePoint) ? ReportFace.Cjk
        : ReportFace.Sans;

    /// <summary>Splits text into runs each drawn by one face.</summary>
    public IReadOnlyList<(string Text, ReportFace Face)> Runs(string text)
    {
        var runs = new List<(string, ReportFace)>();
        var start = 0;
        ReportFace? current = null;
        for (var i = 0; i < text.Length;)
        {
            var width = char.IsSurrogatePair(text, i) ? 2 : 1;
            var cp = width == 2 ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
            var face = current is not null && char.IsWhiteSpace(text[i]) ? current.Value : FaceFor(cp);
            if (current is not null && face != current)
            {
                runs.Add((text[start..i], current.Value));
                start = i;
            }

            current = face;
            i += width;
        }

        if (current is not null)
        {
            runs.Add((text[start..], current.Value));
        }

        return runs;
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => familyName switch
    {
        SansFamily => new FontResolverInfo(bold ? "sans-bold" : "sans"),
        CjkFamily => new FontResolverInfo("cjk", bold, false),
        _ => new FontResolverInfo(bold ? "sans-bold" : "sans"),
    };

    public byte[]? GetFont(string faceName) => _faces.GetValueOrDefault(faceName);

    private static byte[] Read(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Reports need the font {path}: install it with 'apt-get install -y fonts-dejavu-core fonts-wqy-microhei' (./run.sh and ./test.sh do).");
        }
    }

    /// <summary>Copies the first face of a TrueType collection into a standalone TrueType file (table directory rewritten, tables 4-byte aligned).</summary>
    public static byte[] FirstFaceOfCollection(byte[] ttc)
    {
        if (ttc.Length < 16 || BinaryPrimitives.ReadUInt32BigEndian(ttc) != 0x74746366) // 'ttcf'
        {
            throw new InvalidOperationException("Not a TrueType collection.");
        }

        var face = (int)BinaryPrimitives.ReadUInt32BigEndian(ttc.AsSpan(12));
        var tables = BinaryPrimitives.ReadUInt16BigEndian(ttc.AsSpan(face + 4));
        var headerLength = 12 + (16 * tables);
        var output = new MemoryStream();
        output.Write(ttc, face, headerLength);
        var directory = output.GetBuffer();
        var offset = headerLength;
        var bodies = new List<(int Offset, int Length)>();
        for (var t = 0; t < tables; t++)
        {
            var record = face + 12 + (16 * t);
            var tableOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(ttc.AsSpan(record + 8));
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(ttc.AsSpan(record + 12));
            BinaryPrimitives.WriteUInt32BigEndian(directory.AsSpan(12 + (16 * t) + 8), (uint)offset);
            bodies.Add((tableOffset, length));
            offset += (length + 3) & ~3;
        }

        foreach (var (tableOffset, length) in bodies)
        {
            output.Write(ttc, tableOffset, length);
            output.Write(new byte[((length + 3) & ~3) - length]);
        }

        return output.ToArray();
    }

    /// <summary>The code points a TrueType font maps to a glyph (cmap subtables of format 4 and 12).</summary>
    public static HashSet<int> Coverage(byte[] font)
    {
        var covered = new HashSet<int>();
        var tables = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(4));
        var cmap = -1;
        for (var t = 0; t < tables; t++)
        {
            var record = 12 + (16 * t);
            if (BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(record)) == 0x636D6170) // 'cmap'
            {
                cmap = (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(record + 8));
            }
        }

        if (cmap < 0)
        {
            return covered;
        }

        var subtables = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(cmap + 2));
        for (var s = 0; s < subtables; s++)
        {
            var sub = cmap + (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(cmap + 4 + (8 * s) + 4));
            var format = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(sub));
            if (format == 4)
            {
                var segments = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(sub + 6)) / 2;
                var ends = sub + 14;
                var starts = ends + (2 * segments) + 2;
                for (var i = 0; i < segments; i++)
                {
                    var end = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(ends + (2 * i)));
                    var start = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(starts + (2 * i)));
                    for (var c = start; c <= end && c != 0xFFFF; c++)
                    {
                        covered.Add(c);
                    }
                }
            }
            else if (format == 12)
            {
                var groups = BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(sub + 12));
                for (var g = 0; g < groups; g++)
                {
                    var group = sub + 16 + (12 * g);
                    var start = (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(group));
                    var end = (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(group + 4));
                    for (var c = start; c <= end; c++)
                    {
                        covered.Add(c);
                    }
                }
            }
        }

        return covered;
    }
}

/// <summary>Where the report fonts are (Debian's packages by default).</summary>
public sealed record ReportFontFiles(string Sans, string SansBold, string Cjk)
{
    public static ReportFontFiles Default { get; } = new(
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc");
}
