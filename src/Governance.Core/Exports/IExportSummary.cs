using Governance.Core.DataMap;

namespace Governance.Core.Exports;

/// <summary>
/// The PDF summary inside a package (categories held, purposes, retention, recipients, counts, how to complain),
/// rendered by the report layer; one file per language.
/// </summary>
public interface IExportSummary
{
    /// <summary>The summary's file name and bytes for each language, from the map and what the package holds so far.</summary>
    IReadOnlyList<(string Name, byte[] Pdf)> Render(DataMapDocument map, PackageWriter.Source source, IReadOnlyList<PackageEntry> entries);
}
