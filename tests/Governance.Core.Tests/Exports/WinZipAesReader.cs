using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Governance.Core.Tests.Exports;

/// <summary>
/// Reads a WinZip AES-encrypted ZIP from the published specifications alone (PKWARE APPNOTE for the records, WinZip's
/// "AES Encryption Information: Encryption Specification AE-1 and AE-2" for the entries), without the library that
/// wrote it: the central directory names each entry; method 99 with extra field 0x9901 marks AES; the key material is
/// PBKDF2-HMAC-SHA1 (1000 rounds) of the password and the entry's salt; the data is AES-CTR with a little-endian counter
/// from 1, authenticated by the first 10 bytes of HMAC-SHA1 over the ciphertext; then deflated.
/// </summary>
internal static class WinZipAesReader
{
    public sealed record Entry(string Name, int Strength, int VendorVersion, ushort ActualMethod, byte[] Data);

    /// <summary>Every entry, decrypted; throws <see cref="CryptographicException"/> on a wrong password or altered data.</summary>
    public static IReadOnlyList<Entry> Read(byte[] zip, string password)
    {
        var entries = new List<Entry>();
        var eocd = LastIndexOf(zip, 0x06054b50);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(eocd + 10));
        var at = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(eocd + 16));
        for (var i = 0; i < count; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) != 0x02014b50)
            {
                throw new InvalidDataException("Central directory record expected.");
            }

            var method = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 10));
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 20));
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 24));
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 30));
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 32));
            long local = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 42));
            var name = Encoding.UTF8.GetString(zip, at + 46, nameLength);
            var extra = zip.AsSpan(at + 46 + nameLength, extraLength);
            (uncompressed, compressed, local) = Zip64(extra, uncompressed, compressed, local);
            var (strength, vendor, actual) = AesExtra(extra);
            if (method != 99)
            {
                throw new InvalidDataException($"Entry {i} is not AES-encrypted (method {method}).");
            }

            var dataStart = (int)local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan((int)local + 26)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan((int)local + 28));
            var data = Decrypt(zip.AsSpan(dataStart, (int)compressed), password, strength, actual);
            if (data.Length != uncompressed)
            {
                throw new InvalidDataException($"Entry {i} inflates to {data.Length} bytes, not the {uncompressed} its record names.");
            }

            entries.Add(new Entry(name, strength, vendor, actual, data));
            at += 46 + nameLength + extraLength + commentLength;
        }

        return entries;
    }

    /// <summary>APPNOTE 4.5.3: the Zip64 field (0x0001) holds, in order, those of the three values whose 32-bit field is all ones.</summary>
    private static (long Uncompressed, long Compressed, long Local) Zip64(ReadOnlySpan<byte> extra, long uncompressed, long compressed, long local)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (id == 0x0001)
            {
                var body = extra.Slice(4, size).ToArray();
                var at = 0;
                if (uncompressed == uint.MaxValue)
                {
                    uncompressed = BinaryPrimitives.ReadInt64LittleEndian(body.AsSpan(at));
                    at += 8;
                }

                if (compressed == uint.MaxValue)
                {
                    compressed = BinaryPrimitives.ReadInt64LittleEndian(body.AsSpan(at));
                    at += 8;
                }

                if (local == uint.MaxValue)
                {
                    local = BinaryPrimitives.ReadInt64LittleEndian(body.AsSpan(at));
                }

                return (uncompressed, compressed, local);
            }

            extra = extra[(4 + size)..];
        }

        return (uncompressed, compressed, local);
    }

    private static (int Strength, int Vendor, ushort Actual) AesExtra(ReadOnlySpan<byte> extra)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (id == 0x9901)
            {
                var body = extra.Slice(4, size);
                if (body[2] != (byte)'A' || body[3] != (byte)'E')
                {
                    throw new InvalidDataException("AES extra field without its vendor id.");
                }

                return (body[4], BinaryPrimitives.ReadUInt16LittleEndian(body), BinaryPrimitives.ReadUInt16LittleEndian(body[5..]));
            }

            extra = extra[(4 + size)..];
        }

        throw new InvalidDataException("No AES extra field.");
    }

    private static byte[] Decrypt(ReadOnlySpan<byte> data, string password, int strength, ushort actualMethod)
    {
        var keyLength = strength switch { 1 => 16, 2 => 24, 3 => 32, _ => throw new InvalidDataException("Unknown AES strength.") };
        var saltLength = keyLength / 2;
        var salt = data[..saltLength];
        var verifier = data.Slice(saltLength, 2);
        var cipher = data[(saltLength + 2)..^10];
        var mac = data[^10..];
        var material = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, 1000, HashAlgorithmName.SHA1, 2 * keyLength + 2);
        if (!material.AsSpan(2 * keyLength, 2).SequenceEqual(verifier))
        {
            throw new CryptographicException("Wrong password (the verifier differs).");
        }

        if (!HMACSHA1.HashData(material.AsSpan(keyLength, keyLength), cipher)[..10].AsSpan().SequenceEqual(mac))
        {
            throw new CryptographicException("The entry's authentication code differs.");
        }

        using var aes = Aes.Create();
        aes.Key = material[..keyLength];
        var plain = new byte[cipher.Length];
        var counter = new byte[16];
        var stream = new byte[16];
        for (var block = 0; block * 16 < cipher.Length; block++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(counter, (ulong)block + 1);
            aes.EncryptEcb(counter, stream, PaddingMode.None);
            for (var i = block * 16; i < Math.Min(cipher.Length, block * 16 + 16); i++)
            {
                plain[i] = (byte)(cipher[i] ^ stream[i - block * 16]);
            }
        }

        if (actualMethod == 0)
        {
            return plain;
        }

        using var inflated = new MemoryStream();
        using (var deflate = new DeflateStream(new MemoryStream(plain), CompressionMode.Decompress))
        {
            deflate.CopyTo(inflated);
        }

        return inflated.ToArray();
    }

    private static int LastIndexOf(byte[] zip, uint signature)
    {
        for (var i = zip.Length - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) == signature)
            {
                return i;
            }
        }

        throw new InvalidDataException("No end of central directory.");
    }
}
