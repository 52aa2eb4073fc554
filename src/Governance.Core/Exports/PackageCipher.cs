using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Governance.Core.Exports;

/// <summary>
/// Export packages at rest: AES-256-GCM over chunks of 64 KiB, so that a package of any size is encrypted and
/// decrypted as a stream. Layout: the magic <c>GOVPKG1\0</c>, a random 12-byte base nonce, then chunks of
/// [length (4 bytes, big-endian)][ciphertext][tag (16)]. Chunk <c>i</c>'s nonce is the base nonce with <c>i</c> XORed
/// into its last 8 bytes, and its associated data is <c>i</c> and whether it is the last chunk: a chunk moved,
/// dropped or a package cut short fails to decrypt, as does any changed byte.
/// </summary>
public static class PackageCipher
{
    public const int ChunkSize = 64 * 1024;
    private const int TagSize = 16;
    private static readonly byte[] Magic = "GOVPKG1\0"u8.ToArray();

    /// <summary>A stream that encrypts what is written to it into <paramref name="output"/>; disposing it writes the last chunk.</summary>
    public static Stream Encrypting(Stream output, byte[] key, bool leaveOpen = false) => new EncryptingStream(output, key, leaveOpen);

    /// <summary>Decrypts a package into <paramref name="output"/>; a tampered, reordered or truncated package throws <see cref="CryptographicException"/>.</summary>
    public static async Task DecryptAsync(Stream input, Stream output, byte[] key, CancellationToken ct)
    {
        try
        {
            await DecryptChunksAsync(input, output, key, ct);
        }
        catch (EndOfStreamException)
        {
            throw new CryptographicException("The package is cut short: its last chunk is missing.");
        }
    }

    private static async Task DecryptChunksAsync(Stream input, Stream output, byte[] key, CancellationToken ct)
    {
        var header = new byte[Magic.Length + 12];
        await input.ReadExactlyAsync(header, ct);
        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new CryptographicException("Not an export package.");
        }

        var baseNonce = header[Magic.Length..];
        using var aes = new AesGcm(key, TagSize);
        var lengthBytes = new byte[4];
        var cipher = new byte[ChunkSize];
        var plain = new byte[ChunkSize];
        var tag = new byte[TagSize];
        for (long index = 0; ; index++)
        {
            await input.ReadExactlyAsync(lengthBytes, ct);
            var raw = BinaryPrimitives.ReadUInt32BigEndian(lengthBytes);
            var last = (raw & 0x8000_0000) != 0;
            var length = (int)(raw & 0x7FFF_FFFF);
            if (length > ChunkSize)
            {
                throw new CryptographicException("A chunk of the package is longer than any the console writes.");
            }

            await input.ReadExactlyAsync(cipher.AsMemory(0, length), ct);
            await input.ReadExactlyAsync(tag, ct);
            aes.Decrypt(Nonce(baseNonce, index), cipher.AsSpan(0, length), tag, plain.AsSpan(0, length), Associated(index, last));
            await output.WriteAsync(plain.AsMemory(0, length), ct);
            if (last)
            {
                return;
            }
        }
    }

    private static byte[] Nonce(byte[] baseNonce, long index)
    {
        var nonce = baseNonce.ToArray();
        var counter = BinaryPrimitives.ReadInt64BigEndian(nonce.AsSpan(4)) ^ index;
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), counter);
        return nonce;
    }

    private static byte[] Associated(long index, bool last)
    {
        var data = new byte[9];
        BinaryPrimitives.WriteInt64BigEndian(data, index);
        data[8] = last ? (byte)1 : (byte)0;
        return data;
    }

    private sealed class EncryptingStream : Stream
    {
        private readonly Stream _output;
        private readonly bool _leaveOpen;
        private readonly AesGcm _aes;
        private readonly byte[] _baseNonce = RandomNumberGenerator.GetBytes(12);
        private readonly byte[] _buffer = new byte[ChunkSize];
        private readonly byte[] _cipher = new byte[ChunkSize];
        private readonly byte[] _tag = new byte[TagSize];
        private int _filled;
        private long _index;
        private long _written;
        private bool _headerWritten;
        private bool _closed;

        public EncryptingStream(Stream output, byte[] key, bool leaveOpen)
        {
            if (key.Length != 32)
            {
                throw new ArgumentException("An export package key is 32 bytes (AES-256).", nameof(key));
            }

            _output = output;
            _leaveOpen = leaveOpen;
            _aes = new AesGcm(key, TagSize);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_closed;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _written;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            while (buffer.Length > 0)
            {
                if (_filled == ChunkSize)
                {
                    WriteChunk(last: false); // only when more follows: the last chunk is always written by Dispose
                }

                var n = Math.Min(buffer.Length, ChunkSize - _filled);
                buffer[..n].CopyTo(_buffer.AsSpan(_filled));
                _filled += n;
                _written += n;
                buffer = buffer[n..];
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        private void WriteChunk(bool last)
        {
            if (!_headerWritten)
            {
                _output.Write(Magic);
                _output.Write(_baseNonce);
                _headerWritten = true;
            }

            _aes.Encrypt(Nonce(_baseNonce, _index), _buffer.AsSpan(0, _filled), _cipher.AsSpan(0, _filled), _tag, Associated(_index, last));
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)_filled | (last ? 0x8000_0000u : 0u));
            _output.Write(length);
            _output.Write(_cipher, 0, _filled);
            _output.Write(_tag);
            _index++;
            _filled = 0;
        }

        public override void Flush() => _output.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                WriteChunk(last: true);
                _closed = true;
                _output.Flush();
                _aes.Dispose();
                if (!_leaveOpen)
                {
                    _output.Dispose();
                }
            }

            base.Dispose(disposing);
        }
    }
}
