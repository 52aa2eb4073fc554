using Governance.Core.DataMap;

namespace Governance.Tests.Support;

/// <summary>A fixed pseudonym key for tests (32 bytes, not all zero), so that pseudonyms are stable across runs.</summary>
public static class TestKeys
{
    public static byte[] PseudonymKey { get; } = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();

    public static Pseudonyms Pseudonyms { get; } = Pseudonyms.FromKey(PseudonymKey);
}
