using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Tests.DataMap;
using Microsoft.Extensions.Options;

namespace Governance.Core.Tests.Support;

/// <summary>The regulations file (with its calendars) as the project ships it.</summary>
public static class ShippedRegulations
{
    public static RegulationsCatalog Catalog() => new(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));
}
