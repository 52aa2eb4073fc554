using System.Security.Cryptography;
using Governance.Core.Exports;

namespace Governance.Core.Tests.Exports;

public sealed class PackageCipherTests
{
    private static byte[] Encrypt(byte[] plain, byte[] key, int writeSize = 7_001)
    {
        using var output = new MemoryStream();
        using (var encrypting = PackageCipher.Encrypting(output, key, leaveOpen: true))
        {
            for (var i = 0; i < plain.Length; i += writeSize)
            {
                encrypting.Write(plain, i, Math.Min(writeSize, plain.Length - i)); // writes that straddle chunks
            }
        }

        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] package, byte[] key)
    {
        using var output = new MemoryStream();
        await PackageCipher.DecryptAsync(new MemoryStream(package), output, key, CancellationToken.None);
        return output.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(PackageCipher.ChunkSize - 1)]
    [InlineData(PackageCipher.ChunkSize)]
    [InlineData(PackageCipher.ChunkSize + 1)]
    [InlineData(5 * PackageCipher.ChunkSize + 123)]
    public async Task RoundTrip_AnySize_GivesTheBytesBack_AndNoPlaintextIsStored(int size)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var plain = Enumerable.Range(0, size).Select(i => (byte)('a' + i % 26)).ToArray();

        var package = Encrypt(plain, key);

        Assert.Equal(plain, await DecryptAsync(package, key));
        // Header, then per chunk a length and a tag: the size is known from the plaintext alone.
        var chunks = Math.Max(1, (size + PackageCipher.ChunkSize - 1) / PackageCipher.ChunkSize);
        Assert.Equal(8 + 12 + size + chunks * (4 + 16), package.Length);
        if (size >= 26)
        {
            Assert.DoesNotContain("abcdefghijklmnopqrstuvwxyz", System.Text.Encoding.ASCII.GetString(package), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Decrypt_AChangedByte_AWrongKey_ACutOrReorderedPackage_AllFail()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var plain = RandomNumberGenerator.GetBytes(3 * PackageCipher.ChunkSize + 10);
        var package = Encrypt(plain, key);
        var chunk = 4 + PackageCipher.ChunkSize + 16;

        var flipped = package.ToArray();
        flipped[8 + 12 + 4 + 100] ^= 1;
        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(flipped, key));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(package, RandomNumberGenerator.GetBytes(32)));

        // Cut after the third full chunk: what is left decrypts chunk by chunk, but the last chunk is missing.
        var cut = package[..(20 + 3 * chunk)];
        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(cut, key));

        // The first two chunks swapped.
        var swapped = package.ToArray();
        Array.Copy(package, 20 + chunk, swapped, 20, chunk);
        Array.Copy(package, 20, swapped, 20 + chunk, chunk);
        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(swapped, key));
    }
}
