using System.Buffers;
using System.IO.Compression;
using VoucherExport.Chunks;

namespace VoucherExport.Server;

/// <summary>
/// The whole export as one read-only stream: the chunks in order, the repeated preamble (BOM and header) of every chunk
/// after the first dropped, which by SPEC §5 gives the bytes of the same export written unchunked. Its length comes from the
/// manifest, and it seeks by opening the chunk that holds the position, so HTTP ranges work across chunk boundaries while
/// only one chunk is open at a time. A gzip chunk is read through a decompressor, so the stream is CSV either way; seeking
/// into one decompresses from its start (<see cref="ChunkInfo.UncompressedBytes"/> gives its length).
/// </summary>
internal sealed class ConcatenatedChunkStream : Stream
{
    // Enough to skip a preamble or a seek target in a few reads on a source that cannot seek.
    private const int SkipBufferBytes = 64 * 1024;

    private readonly IChunkSink _sink;
    private readonly string[] _names;
    private readonly bool[] _gzip;
    private readonly long[] _skip;
    private readonly long[] _start;
    private Stream? _current;
    private int _currentPart = -1;
    private long _currentPosition = -1;
    private long _position;

    /// <summary>The chunks <paramref name="chunks"/> of one export in <paramref name="sink"/>, each after the first without its first <paramref name="preambleLength"/> bytes.</summary>
    public ConcatenatedChunkStream(IChunkSink sink, IReadOnlyList<ChunkInfo> chunks, int preambleLength)
        : this(sink, chunks, preambleLength, asStored: false)
    {
    }

    /// <summary>
    /// With <paramref name="asStored"/>, the chunks' bytes as stored (a gzip chunk stays compressed): one chunk alone is then
    /// a seekable stream over a sink whose own streams cannot seek (S3), so ranges of a chunk work there too.
    /// </summary>
    public ConcatenatedChunkStream(IChunkSink sink, IReadOnlyList<ChunkInfo> chunks, int preambleLength, bool asStored)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentOutOfRangeException.ThrowIfNegative(preambleLength);
        _sink = sink;
        _names = new string[chunks.Count];
        _gzip = new bool[chunks.Count];
        _skip = new long[chunks.Count];
        _start = new long[chunks.Count + 1];
        for (int i = 0; i < chunks.Count; i++)
        {
            long skip = i == 0 ? 0 : preambleLength;
            long csvBytes = asStored ? chunks[i].Bytes : chunks[i].CsvBytes;
            if (csvBytes < skip)
            {
                throw new InvalidDataException($"{chunks[i].Name} has {csvBytes} bytes of CSV, fewer than the {skip}-byte header every chunk starts with");
            }

            _names[i] = chunks[i].Name;
            _gzip[i] = chunks[i].IsGzip && !asStored;
            _skip[i] = skip;
            _start[i + 1] = _start[i] + csvBytes - skip;
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _start[^1];

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));

        // Only the logical position moves; the chunk is (re)opened by the next read if it has to be.
        _position = target;
        return target;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= Length)
        {
            return 0;
        }

        int part = PartAt(_position);
        if (_current is null || _currentPart != part || _currentPosition != _position)
        {
            await OpenAtAsync(part, cancellationToken).ConfigureAwait(false);
        }

        int want = (int)Math.Min(buffer.Length, _start[part + 1] - _position);
        int read = await _current!.ReadAsync(buffer[..want], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new IOException($"{_names[part]} ended before the length its manifest gives");
        }

        _position += read;
        _currentPosition = _position;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Hosts read asynchronously; the synchronous path exists for Stream's contract and blocks on the same code.
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_current is not null)
        {
            await _current.DisposeAsync().ConfigureAwait(false);
            _current = null;
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _current = null;
        }

        base.Dispose(disposing);
    }

    private int PartAt(long position)
    {
        // The part whose logical span [start, next start) holds the position; empty parts have no span and are passed over.
        int found = Array.BinarySearch(_start, position);
        int part = found >= 0 ? found : ~found - 1;
        while (_start[part + 1] <= position)
        {
            part++;
        }

        return part;
    }

    private async ValueTask OpenAtAsync(int part, CancellationToken cancellationToken)
    {
        if (_current is not null)
        {
            await _current.DisposeAsync().ConfigureAwait(false);
            _current = null;
        }

        Stream stream = await _sink.OpenReadAsync(_names[part], cancellationToken).ConfigureAwait(false);
        if (_gzip[part])
        {
            stream = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: false);
        }

        long offset = _skip[part] + (_position - _start[part]);
        try
        {
            if (stream.CanSeek)
            {
                stream.Seek(offset, SeekOrigin.Begin);
            }
            else
            {
                await SkipAsync(stream, offset, _names[part], cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _current = stream;
        _currentPart = part;
        _currentPosition = _position;
    }

    private static async ValueTask SkipAsync(Stream stream, long count, string name, CancellationToken cancellationToken)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent((int)Math.Min(SkipBufferBytes, Math.Max(count, 1)));
        try
        {
            while (count > 0)
            {
                int read = await stream.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, count)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"{name} ended before the length its manifest gives");
                }

                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
