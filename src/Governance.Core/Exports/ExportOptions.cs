namespace Governance.Core.Exports;

/// <summary>Where access packages are kept and for how long.</summary>
public sealed class ExportOptions
{
    public const string Section = "Exports";

    /// <summary>
    /// The folder of each region's packages, by region (<c>Exports:Folders:eu</c>); a region not named here keeps them
    /// in <c>&lt;DataDirectory&gt;/exports/&lt;region&gt;</c>. A package is written in its region's folder only.
    /// </summary>
    public Dictionary<string, string> Folders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Days a package can be downloaded; then it is deleted.</summary>
    public int KeepDays { get; set; } = 7;
}
