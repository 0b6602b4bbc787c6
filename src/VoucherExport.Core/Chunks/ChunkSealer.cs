using System.Buffers;
using System.Security.Cryptography;
using VoucherExport.Transactions;

namespace VoucherExport.Chunks;

/// <summary>
/// The one chunk sealer both schedulers drive — <see cref="ChunkedCsvWriter"/> record by record on the calling thread,
/// <see cref="ParallelChunkedCsvWriter"/> batch by batch in order: the open chunk (its name, rows, bytes and
/// <c>created_at</c> range), the rotation rule, SHA-256 and the gzip encoder, the <see cref="ChunkInfo"/> of each closed
/// chunk; and the publishing side: the sink's chunk writer, the chunks committed in order, the progress counters.
/// </summary>
/// <remarks>
/// The seal side (<see cref="Open"/>, <see cref="Fits"/>, <see cref="Add(long, long, VoucherTransaction)"/>, <see cref="Hash"/>, <see cref="Close"/>) is
/// used by one thread at a time (the parallel writer passes a token); the publish side (<see cref="WriterAsync"/>,
/// <see cref="CommitAsync"/>) by the calling thread. The counters may be read from any thread.
/// </remarks>
internal sealed class ChunkSealer : IAsyncDisposable
{
    private readonly IChunkSink _sink;
    private readonly IncrementalHash? _hash;
    private readonly List<ChunkInfo> _completed = [];
    private readonly Func<ChunkInfo, CancellationToken, ValueTask>? _committed;
    private int _index;
    private readonly int _rangeTask;
    private string _name = string.Empty;
    private long _chunkRows;
    private long _chunkBytes;
    private DateTimeOffset? _firstCreatedAt;
    private DateTimeOffset? _lastCreatedAt;
    private string? _lastId;
    private long _lastSourceEnd;
    private IChunkWriter? _writer;
    private long _rows;
    private long _bytes;
    private int _chunks;

    /// <summary>
    /// A sealer for chunks of <paramref name="sink"/> under <paramref name="limits"/>, each starting with
    /// <paramref name="preamble"/>; with <paramref name="resume"/>, chunks go on after those an earlier attempt committed
    /// (numbered after them, counted with them), and <paramref name="committed"/> is told of each chunk once the sink has
    /// committed it.
    /// </summary>
    public ChunkSealer(
        IChunkSink sink, ChunkLimits limits, ReadOnlyMemory<byte> preamble, bool checksums, ArrayPool<byte> pool,
        ExportResumePoint? resume = null, Func<ChunkInfo, CancellationToken, ValueTask>? committed = null)
    {
        _sink = sink;
        _committed = committed;
        if (resume is not null)
        {
            _rangeTask = resume.RangeTask;
            _completed.AddRange(resume.Chunks);
            _index = resume.Chunks.Count;
            _chunks = resume.Chunks.Count;
            _rows = resume.Rows;
            _bytes = resume.Bytes;
        }

        Preamble = preamble;
        MaxBytes = limits.MaxChunkBytes;
        MaxRows = limits.MaxChunkRows ?? long.MaxValue;
        Compression = limits.Compression;
        _hash = checksums ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        if (Compression == ChunkCompression.Gzip)
        {
            // The hash sees the compressed bytes as the encoder produces them: the manifest's sha256 is of the stored file.
            Gzip = new GzipChunkEncoder(limits.CompressionLevel, _hash, pool);
        }
    }

    /// <summary>The header (and BOM) every chunk starts with.</summary>
    public ReadOnlyMemory<byte> Preamble { get; }

    /// <summary>The most bytes a chunk holds (stored bytes: compressed ones with compression).</summary>
    public long MaxBytes { get; }

    /// <summary>The most records a chunk holds.</summary>
    public long MaxRows { get; }

    /// <summary>How chunks are stored.</summary>
    public ChunkCompression Compression { get; }

    /// <summary>The encoder of the open chunk with compression, else null.</summary>
    public GzipChunkEncoder? Gzip { get; }

    /// <summary>Whether a chunk is open on the seal side.</summary>
    public bool IsOpen { get; private set; }

    /// <summary>The file name of the chunk opened last (empty before the first).</summary>
    /// <remarks>Made once per chunk in <see cref="Open"/>: the calling-thread writer asks for it on every flush.</remarks>
    public string Name => _name;

    /// <summary>Records in the open chunk.</summary>
    public long ChunkRows => _chunkRows;

    /// <summary>Uncompressed bytes in the open chunk, its preamble included.</summary>
    public long ChunkBytes => _chunkBytes;

    /// <summary>Whether the open chunk may take more records (the row limit).</summary>
    public bool HasRowRoom => _chunkRows < MaxRows;

    /// <summary>Records written so far (as counted by the scheduler).</summary>
    public long Rows => Volatile.Read(ref _rows);

    /// <summary>Bytes written so far, preambles included (stored bytes).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Chunks started so far.</summary>
    public int Chunks => Volatile.Read(ref _chunks);

    /// <summary>
    /// Whether the export still needs a chunk at its end: none is open and none was committed (by this run or by an
    /// earlier attempt it resumes), so it had no rows and gets one chunk holding only the preamble.
    /// A range task of a split export never needs one: the export's other tasks, or its coordinator, hold its rows.
    /// </summary>
    public bool NeedsEmptyChunk => !IsOpen && _completed.Count == 0 && _rangeTask == 0;

    /// <summary>
    /// Starts the next chunk holding <paramref name="rows"/> records in <paramref name="bytes"/> uncompressed bytes so far
    /// (the preamble included), the last of them <paramref name="last"/> (when it holds one) made at
    /// <paramref name="createdAt"/>, starting the encoder with compression; returns the chunk's name.
    /// </summary>
    public string Open(DateTimeOffset? createdAt, long rows, long bytes, VoucherTransaction? last = null)
    {
        _index++;
        _name = ChunkInfo.NameFor(_index, Compression, _rangeTask);
        IsOpen = true;
        _chunkRows = rows;
        _chunkBytes = bytes;
        _firstCreatedAt = createdAt;
        _lastCreatedAt = createdAt;
        _lastId = last?.Id;
        _lastSourceEnd = last?.SourceEnd ?? 0;
        Gzip?.Start();
        return Name;
    }

    /// <summary>Whether <paramref name="rows"/> more records of <paramref name="bytes"/> fit the open chunk, uncompressed.</summary>
    public bool Fits(long rows, long bytes) => _chunkRows + rows <= MaxRows && _chunkBytes + bytes <= MaxBytes;

    /// <summary>Takes <paramref name="rows"/> records of <paramref name="bytes"/> into the open chunk, the last of them <paramref name="last"/>.</summary>
    public void Add(long rows, long bytes, VoucherTransaction last) => Add(rows, bytes, last.CreatedAt, last.Id, last.SourceEnd);

    /// <summary>
    /// Takes <paramref name="rows"/> records of <paramref name="bytes"/> into the open chunk, the last of them made at
    /// <paramref name="createdAt"/>, with id <paramref name="id"/>, ending at <paramref name="sourceEnd"/> of its ledger (0: unknown).
    /// </summary>
    public void Add(long rows, long bytes, DateTimeOffset createdAt, string id, long sourceEnd)
    {
        _chunkRows += rows;
        _chunkBytes += bytes;
        _lastCreatedAt = createdAt;
        _lastId = id;
        _lastSourceEnd = sourceEnd;
    }

    /// <summary>Hashes uncompressed bytes of the open chunk (with compression the encoder hashes what it produces instead).</summary>
    public void Hash(ReadOnlySpan<byte> data) => _hash?.AppendData(data);

    /// <summary>Ends the open chunk on the seal side (finishing the encoder); returns it as the manifest will list it.</summary>
    public ChunkInfo Close()
    {
        IsOpen = false;
        long stored = Gzip?.Finish() ?? _chunkBytes;
        return new ChunkInfo(Name, _chunkRows, stored, Digest(), _firstCreatedAt, _lastCreatedAt, Oversize: stored > MaxBytes)
        {
            UncompressedBytes = Gzip is null ? null : _chunkBytes,
            LastId = _lastId,
            SourceOffset = _lastSourceEnd > 0 ? _lastSourceEnd : null,
        };
    }

    /// <summary>Counts <paramref name="rows"/> records and <paramref name="bytes"/> bytes written.</summary>
    public void Count(long rows, long bytes)
    {
        Volatile.Write(ref _rows, _rows + rows);
        Volatile.Write(ref _bytes, _bytes + bytes);
    }

    /// <summary>Counts a chunk started.</summary>
    public void CountChunk() => Volatile.Write(ref _chunks, _chunks + 1);

    /// <summary>The sink's writer of the chunk being published, or null between chunks.</summary>
    public IChunkWriter? Publishing => _writer;

    /// <summary>The sink's writer of the chunk being published, created under <paramref name="name"/> on first use.</summary>
    public async ValueTask<IChunkWriter> WriterAsync(string name, CancellationToken cancellationToken)
        => _writer ??= await _sink.CreateChunkAsync(name, cancellationToken).ConfigureAwait(false);

    /// <summary>Commits the chunk being published (creating it first if nothing was written) and records it.</summary>
    public async ValueTask CommitAsync(ChunkInfo chunk, CancellationToken cancellationToken)
    {
        IChunkWriter writer = await WriterAsync(chunk.Name, cancellationToken).ConfigureAwait(false);
        await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        _writer = null;
        await writer.DisposeAsync().ConfigureAwait(false);
        _completed.Add(chunk);
        if (_committed is not null)
        {
            await _committed(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The chunks committed, in order.</summary>
    public IReadOnlyList<ChunkInfo> Completed() => _completed.ToArray();

    /// <summary>Discards a chunk being published and not committed, and releases the hash and the encoder.</summary>
    public async ValueTask DisposeAsync()
    {
        IChunkWriter? writer = _writer;
        _writer = null;
        try
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            Gzip?.Dispose();
            _hash?.Dispose();
        }
    }

    /// <summary>The lowercase hex SHA-256 of the chunk, resetting the hash; empty when checksums are off.</summary>
    private string Digest()
    {
        if (_hash is null)
        {
            return string.Empty;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        _hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }
}
