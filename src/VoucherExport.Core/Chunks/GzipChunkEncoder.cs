using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;

namespace VoucherExport.Chunks;

/// <summary>
/// Compresses the CSV of one chunk at a time into a gzip member, and proves before each record is added that the member
/// will still fit the byte limit once finished, without knowing the final size in advance.
/// </summary>
/// <remarks>
/// <para>
/// The proof: after a sync flush every byte fed so far is in the output, byte-aligned, so the output size is exact
/// (<see cref="Measured"/>). Whatever is fed after it compresses to at most <see cref="Bound"/> of its length: deflate
/// may fall back to stored blocks, and zlib-ng's fastest level codes a literal in up to 9 bits. So a chunk that satisfies
/// <c>Measured + Bound(pending) + FinishReserve ≤ limit</c> cannot outgrow the limit. When a record would break that,
/// the writer flushes (<see cref="Measure"/>) and checks again against the exact size; only if it still does not fit
/// does the chunk end. Flushes happen only near the limit, where the unmeasured tail must shrink; each costs a few
/// bytes and a new deflate block, and the window (and so the ratio) carries across it.
/// </para>
/// <para>
/// The bytes depend only on the input and the level: the gzip header holds no name and no time, and its OS byte is
/// set to 255 (unknown) so every platform writes the same member. Output goes to <see cref="Target"/> and into the
/// chunk's hash in the order it is produced, which is the stored order.
/// </para>
/// </remarks>
internal sealed class GzipChunkEncoder : IDisposable
{
    /// <summary>The gzip header zlib writes: magic, method, flags, time, extra flags, OS.</summary>
    internal const int HeaderBytes = 10;

    /// <summary>What finishing adds beyond the bound of the pending input: the CRC-32 and size trailer, and a margin.</summary>
    internal const int FinishReserve = 8 + 8;

    /// <summary>The offset of the header's OS byte, and the value written there (RFC 1952: unknown).</summary>
    private const int OsByteOffset = 9;
    private const byte UnknownOs = 255;

    /// <summary>
    /// zlib-ng's output depends on how the input is cut into calls, not only on the input, so the encoder feeds it in
    /// blocks of this size counted from the last flush, whatever the size of the writes it is given: the serial and
    /// the parallel writers, with any buffer sizes, then store the same bytes.
    /// </summary>
    internal const int FeedBlockBytes = 64 * 1024;

    private readonly int _level;
    private readonly Output _output;
    private readonly ArrayPool<byte> _pool;
    private byte[] _block = [];
    private int _blockCount;
    private GZipStream? _gzip;
    private long _measured;
    private long _pending;
    private long _uncompressed;

    public GzipChunkEncoder(int level, IncrementalHash? hash, ArrayPool<byte>? pool = null)
    {
        _level = level;
        _pool = pool ?? ArrayPool<byte>.Shared;
        _output = new Output(hash);
    }

    /// <summary>Where compressed bytes go as they are produced.</summary>
    public IBufferWriter<byte>? Target
    {
        get => _output.Target;
        set => _output.Target = value;
    }

    /// <summary>Stored bytes that cover every input byte up to the last flush (the header before the first).</summary>
    public long Measured => _measured;

    /// <summary>Input bytes fed since the last flush.</summary>
    public long Pending => _pending;

    /// <summary>Input bytes of the member so far.</summary>
    public long UncompressedBytes => _uncompressed;

    /// <summary>Compressed bytes produced for the member so far.</summary>
    public long StoredBytes => _output.Total;

    /// <summary>Flushes made in this member, for the docs' figures and the tests.</summary>
    public int Flushes { get; private set; }

    /// <summary>
    /// The most deflate bytes <paramref name="length"/> input bytes can become, block headers and the end of the flush
    /// or final block included: 9 bits a byte (zlib-ng's level 1 codes literals with the fixed tree), a 5-byte stored
    /// block header per 1 KiB at worst, and 32 bytes for the blocks at either end.
    /// </summary>
    internal static long Bound(long length) => length + (length >> 3) + (length >> 10) + 32;

    /// <summary>Starts a new member.</summary>
    public void Start()
    {
        Close();
        _output.Reset();
        _gzip = new GZipStream(
            _output,
            new ZLibCompressionOptions { CompressionLevel = _level, CompressionStrategy = ZLibCompressionStrategy.Default },
            leaveOpen: true);
        _measured = HeaderBytes;
        _pending = 0;
        _uncompressed = 0;
        Flushes = 0;
    }

    /// <summary>Whether <paramref name="more"/> input bytes beyond what was fed still give a member of at most <paramref name="maxBytes"/>.</summary>
    public bool Fits(long more, long maxBytes) => _measured + Bound(_pending + more) + FinishReserve <= maxBytes;

    /// <summary>Compresses <paramref name="data"/> into the member.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        GZipStream gzip = _gzip!;
        _pending += data.Length;
        _uncompressed += data.Length;
        while (!data.IsEmpty)
        {
            if (_blockCount == 0 && data.Length >= FeedBlockBytes)
            {
                // Whole blocks need no copy.
                gzip.Write(data[..FeedBlockBytes]);
                data = data[FeedBlockBytes..];
                continue;
            }

            if (_block.Length == 0)
            {
                _block = _pool.Rent(FeedBlockBytes);
            }

            int taken = Math.Min(data.Length, FeedBlockBytes - _blockCount);
            data[..taken].CopyTo(_block.AsSpan(_blockCount));
            _blockCount += taken;
            data = data[taken..];
            if (_blockCount == FeedBlockBytes)
            {
                FeedBlock();
            }
        }
    }

    /// <summary>Sync-flushes, so <see cref="Measured"/> is exact for everything fed; nothing happens when nothing is pending.</summary>
    public void Measure()
    {
        if (_pending == 0)
        {
            return;
        }

        FeedBlock();
        _gzip!.Flush();
        _measured = _output.Total;
        _pending = 0;
        Flushes++;
    }

    /// <summary>Ends the member (final block and trailer into <see cref="Target"/>); returns its stored size.</summary>
    public long Finish()
    {
        FeedBlock();
        GZipStream gzip = _gzip!;
        _gzip = null;
        gzip.Dispose();
        _measured = _output.Total;
        _pending = 0;
        return _output.Total;
    }

    /// <summary>Drops an unfinished member without producing more output, and returns the feed block to its pool.</summary>
    public void Dispose()
    {
        Close();
        byte[] block = _block;
        _block = [];
        if (block.Length != 0)
        {
            _pool.Return(block);
        }
    }

    private void FeedBlock()
    {
        if (_blockCount > 0)
        {
            _gzip!.Write(_block.AsSpan(0, _blockCount));
            _blockCount = 0;
        }
    }

    private void Close()
    {
        _blockCount = 0;
        GZipStream? gzip = _gzip;
        _gzip = null;
        if (gzip is not null)
        {
            // An unfinished member is being discarded: what disposing still writes must go nowhere.
            IBufferWriter<byte>? target = _output.Target;
            _output.Target = null;
            gzip.Dispose();
            _output.Target = target;
        }
    }

    /// <summary>The stream gzip writes to: forwards into the target buffer, fixes the OS byte, hashes, counts.</summary>
    private sealed class Output(IncrementalHash? hash) : Stream
    {
        public IBufferWriter<byte>? Target { get; set; }

        public long Total { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void Reset() => Total = 0;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Target is null)
            {
                return;
            }

            Span<byte> span = Target.GetSpan(buffer.Length)[..buffer.Length];
            buffer.CopyTo(span);
            if (Total <= OsByteOffset && Total + buffer.Length > OsByteOffset)
            {
                span[(int)(OsByteOffset - Total)] = UnknownOs;
            }

            hash?.AppendData(span);
            Target.Advance(buffer.Length);
            Total += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
