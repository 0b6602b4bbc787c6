using System.Buffers;
using System.Runtime.CompilerServices;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Chunks;

/// <summary>
/// Formats records and rotates chunks between whole records: every chunk starts with the preamble,
/// stays within <see cref="ChunkLimits"/> unless one record alone is too large, and is committed only when complete.
/// Computes each chunk's SHA-256 and created_at range.
/// </summary>
/// <remarks>
/// With a parallelism of 1, rows are formatted synchronously into a pooled staging buffer on the calling thread; the
/// writer awaits only to hand the buffer to the chunk writer (once it passes the flush threshold) or to rotate chunks.
/// With more, batches of rows are formatted by up to that many threads at once (thread-pool workers, and the calling
/// thread when it would otherwise wait), hashed in order by whichever of them is free, and written in order by the
/// calling thread (see <see cref="ParallelChunkedCsvWriter"/>); the chunks are the same bytes either way. Not thread-safe,
/// except that <see cref="Rows"/>, <see cref="Bytes"/> and <see cref="Chunks"/> may be read from any thread for progress.
/// </remarks>
public sealed class ChunkedCsvWriter : IAsyncDisposable
{
    /// <summary>256 KiB: large writes for files and uploads, small enough to stay in cache while being hashed.</summary>
    internal const int DefaultFlushThreshold = 256 * 1024;

    /// <summary>
    /// One formatting thread: the default of a writer built directly. Exports run through <see cref="ExportEngine"/> take
    /// <see cref="AllCores"/> unless their request says otherwise.
    /// </summary>
    public const int DefaultParallelism = 1;

    /// <summary>The most threads an export may ask for; each holds two batches of about 256 KiB.</summary>
    public const int MaxParallelism = 64;

    /// <summary>The machine's core count (within 1 and <see cref="MaxParallelism"/>): the default of requests, registries and the CLI.</summary>
    public static int AllCores { get; } = Math.Clamp(Environment.ProcessorCount, 1, MaxParallelism);

    private readonly CsvRecordWriter _records;
    private readonly ReadOnlyMemory<byte> _preamble;
    private readonly int _flushThreshold;
    private readonly StagingBuffer _staging;
    private readonly ParallelChunkedCsvWriter? _parallel;

    // With one thread: the chunk state, hashing, compression and publishing (the parallel writer holds its own).
    private readonly ChunkSealer? _sealer;

    // With compression: the encoder of the open chunk and the compressed bytes waiting for the chunk writer.
    private readonly GzipChunkEncoder? _gzip;
    private readonly StagingBuffer? _compressed;

    private State _state;

    // A record formatted into the staging buffer that belongs to the next chunk; it waits there until the open one is committed.
    private bool _rotationPending;
    private int _pendingStart;
    private int _pendingLength;
    private VoucherTransaction? _pendingRow;

    /// <summary>
    /// Writes through <paramref name="records"/> into chunks of <paramref name="sink"/>, on up to
    /// <paramref name="parallelism"/> threads, the calling thread included (1: the calling thread only).
    /// </summary>
    /// <remarks>
    /// With several threads, the calling thread formats with <paramref name="records"/> and each worker with a record
    /// writer of its own made from the same dialect and columns, since a record writer is not thread-safe. Staging
    /// buffers are rented from <paramref name="bufferPool"/> (null: <see cref="ArrayPool{T}.Shared"/>) and all returned
    /// when the writer is disposed, whether it completed, failed or was cancelled.
    /// </remarks>
    public ChunkedCsvWriter(
        IChunkSink sink, ChunkLimits limits, CsvRecordWriter records, int parallelism = DefaultParallelism, ArrayPool<byte>? bufferPool = null)
        : this(sink, limits, records, DefaultFlushThreshold, DefaultFlushThreshold + (DefaultFlushThreshold / 4), parallelism, bufferPool)
    {
    }

    /// <summary>
    /// As the public constructor, going on after the chunks of <paramref name="resume"/> (numbered and counted after them;
    /// an export that ends without new rows adds no chunk) and telling <paramref name="committed"/> of each chunk once the
    /// sink committed it, before the next is started.
    /// </summary>
    internal ChunkedCsvWriter(
        IChunkSink sink, ChunkLimits limits, CsvRecordWriter records, int parallelism, ArrayPool<byte>? bufferPool,
        ExportResumePoint? resume, Func<ChunkInfo, CancellationToken, ValueTask>? committed)
        : this(sink, limits, records, DefaultFlushThreshold, DefaultFlushThreshold + (DefaultFlushThreshold / 4), parallelism, bufferPool, resume, committed)
    {
    }

    /// <summary>
    /// As the public constructor, with the staging sizes open so tests can shrink them to a few bytes and run the
    /// flush and grow paths on every row. With several threads the flush threshold is the byte size batches aim at.
    /// </summary>
    internal ChunkedCsvWriter(
        IChunkSink sink,
        ChunkLimits limits,
        CsvRecordWriter records,
        int flushThreshold,
        int initialBufferSize,
        int parallelism = DefaultParallelism,
        ArrayPool<byte>? bufferPool = null,
        ExportResumePoint? resume = null,
        Func<ChunkInfo, CancellationToken, ValueTask>? committed = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentOutOfRangeException.ThrowIfLessThan(flushThreshold, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialBufferSize, 1);
        ThrowIfBadParallelism(parallelism);
        limits.Validate();
        bufferPool ??= ArrayPool<byte>.Shared;

        // Only the benchmarks' discarding sinks skip checksums, so the single-core figure measures formatting alone.
        bool checksums = sink is not IUnhashedChunkSink;
        if (parallelism > 1)
        {
            _parallel = new ParallelChunkedCsvWriter(sink, limits, records, parallelism, flushThreshold, checksums, bufferPool, resume, committed);
        }

        else
        {
            _sealer = new ChunkSealer(sink, limits, records.Preamble, checksums, bufferPool, resume, committed);
            _gzip = _sealer.Gzip;
            if (_gzip is not null)
            {
                _compressed = new StagingBuffer(initialBufferSize, bufferPool);
                _gzip.Target = _compressed;
            }
        }

        _records = records;
        _preamble = records.Preamble;
        _flushThreshold = flushThreshold;
        _staging = new StagingBuffer(_parallel is null ? initialBufferSize : 1, bufferPool);
    }

    private enum State
    {
        Writing,
        Completed,
        Faulted,
        Disposed,
    }

    /// <summary>Records written so far.</summary>
    public long Rows => _parallel?.Rows ?? _sealer!.Rows;

    /// <summary>
    /// With several threads: has the writer verify that the rows come in <paramref name="order"/> on the formatting
    /// threads (see <see cref="ParallelChunkedCsvWriter.VerifyOrder"/>) and returns true; with one thread returns false,
    /// and the caller keeps checking the rows itself. Call before the first write.
    /// </summary>
    internal bool TryVerifyOrder(ExportOrder order)
    {
        _parallel?.VerifyOrder(order);
        return _parallel is not null;
    }

    /// <summary>Bytes written so far, preambles included (stored bytes: compressed ones with compression).</summary>
    public long Bytes => _parallel?.Bytes ?? _sealer!.Bytes;

    /// <summary>Chunks started so far.</summary>
    public int Chunks => _parallel?.Chunks ?? _sealer!.Chunks;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless 1 ≤ <paramref name="parallelism"/> ≤ <see cref="MaxParallelism"/>.</summary>
    public static void ThrowIfBadParallelism(int parallelism)
    {
        if (parallelism is < 1 or > MaxParallelism)
        {
            throw new ArgumentOutOfRangeException(
                nameof(parallelism), parallelism, $"parallelism must be between 1 and {MaxParallelism}");
        }
    }

    /// <summary>Appends a batch of rows, in order.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<VoucherTransaction> rows, CancellationToken cancellationToken)
    {
        ThrowIfNotWriting();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (_parallel is not null)
        {
            return WriteParallelAsync(rows, cancellationToken);
        }

        int done = StageOrFault(rows.Span);

        // Most batches format entirely into the staging buffer: no state machine, no await.
        if (done == rows.Length && !_rotationPending && _staging.Count < _flushThreshold)
        {
            return ValueTask.CompletedTask;
        }

        return ContinueWriteAsync(rows, done, cancellationToken);
    }

    /// <summary>Whether the writer takes a JSON Lines ledger's lines to format itself (<see cref="WriteLinesAsync"/>): with several threads.</summary>
    internal bool TakesLines => _parallel is not null;

    /// <summary>With several threads: see <see cref="ParallelChunkedCsvWriter.KeepLinesMadeWithin"/>. Call before the first write.</summary>
    internal void KeepLinesMadeWithin(DateTimeOffset? from, DateTimeOffset? before) => _parallel?.KeepLinesMadeWithin(from, before);

    /// <summary>
    /// With several threads: appends the rows of <paramref name="block"/>'s lines, scanned and formatted on the
    /// formatting threads (see <see cref="ParallelChunkedCsvWriter.WriteLinesAsync"/>); the writer owns the block from here.
    /// </summary>
    internal ValueTask WriteLinesAsync(LineBlock block, CancellationToken cancellationToken)
    {
        ValueTask writing;
        try
        {
            ThrowIfNotWriting();
            cancellationToken.ThrowIfCancellationRequested();
            if (_parallel is null)
            {
                throw new InvalidOperationException("only a writer with several threads takes lines");
            }
        }
        catch
        {
            block.Release();
            throw;
        }

        try
        {
            writing = _parallel.WriteLinesAsync(block, cancellationToken);
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }

        return writing.IsCompletedSuccessfully ? writing : FaultOnErrorAsync(writing);
    }

    /// <summary>
    /// Commits the last chunk and returns every chunk in order. An export with no rows still gets one chunk
    /// holding only the preamble, so its download is a valid CSV.
    /// </summary>
    public async ValueTask<IReadOnlyList<ChunkInfo>> CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotWriting();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_parallel is not null)
            {
                IReadOnlyList<ChunkInfo> chunks = await _parallel.CompleteAsync(cancellationToken).ConfigureAwait(false);
                _state = State.Completed;
                return chunks;
            }

            if (_sealer!.NeedsEmptyChunk)
            {
                // Only an export without rows gets here: rotation always opens the next chunk with its first record.
                _staging.ReplacePrefix(0, _preamble.Span);
                OpenChunk(_preamble.Length, rows: 0, first: null);
            }

            if (_sealer.IsOpen)
            {
                // Not open only when resumed after the last row: the chunks an earlier attempt committed are the export.
                await FlushAsync(_staging.Count, cancellationToken).ConfigureAwait(false);
                _staging.Clear();
                await CommitChunkAsync(cancellationToken).ConfigureAwait(false);
            }

            _state = State.Completed;
            return _sealer.Completed();
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }
    }

    /// <summary>Discards an uncommitted chunk and returns pooled buffers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_state == State.Disposed)
        {
            return;
        }

        _state = State.Disposed;
        try
        {
            // Discards an uncommitted chunk, then releases the encoder and the hash.
            if (_sealer is not null)
            {
                await _sealer.DisposeAsync().ConfigureAwait(false);
            }

            // The parallel body still holds its batches' buffers.
            if (_parallel is not null)
            {
                await _parallel.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _compressed?.Dispose();
            _staging.Dispose();
        }
    }

    private ValueTask WriteParallelAsync(ReadOnlyMemory<VoucherTransaction> rows, CancellationToken cancellationToken)
    {
        ValueTask writing;
        try
        {
            writing = _parallel!.WriteAsync(rows, cancellationToken);
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }

        return writing.IsCompletedSuccessfully ? writing : FaultOnErrorAsync(writing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FaultOnErrorAsync(ValueTask writing)
    {
        try
        {
            await writing.ConfigureAwait(false);
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }
    }

    private async ValueTask ContinueWriteAsync(ReadOnlyMemory<VoucherTransaction> rows, int done, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (_rotationPending)
                {
                    await RotateAsync(cancellationToken).ConfigureAwait(false);
                }

                if (_staging.Count >= _flushThreshold)
                {
                    await FlushAsync(_staging.Count, cancellationToken).ConfigureAwait(false);
                    _staging.Clear();
                }

                if (done == rows.Length)
                {
                    return;
                }

                cancellationToken.ThrowIfCancellationRequested();
                done += Stage(rows.Span[done..]);
            }
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }
    }

    private int StageOrFault(ReadOnlySpan<VoucherTransaction> rows)
    {
        try
        {
            return Stage(rows);
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }
    }

    /// <summary>
    /// Formats rows into the staging buffer until one needs I/O: it belongs to the next chunk, or the buffer passed
    /// the flush threshold. Returns how many rows were taken, that one included.
    /// </summary>
    private int Stage(ReadOnlySpan<VoucherTransaction> rows)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            VoucherTransaction row = rows[i];
            CsvRecordWriter.PrefetchAhead(rows, i);
            int start = _staging.Count;
            int length = _records.WriteRecord(_staging, row);

            ChunkSealer sealer = _sealer!;
            if (!sealer.IsOpen)
            {
                // Nothing is staged while no chunk is open, so the record sits at the front; the preamble goes before it.
                _staging.ReplacePrefix(0, _preamble.Span);
                OpenChunk(_preamble.Length + length, rows: 1, row);
            }
            else if (!sealer.HasRowRoom || (_gzip is null ? !sealer.Fits(0, length) : !_gzip.Fits(start + length, sealer.MaxBytes)))
            {
                // With compression, the staged bytes before the record are not in the encoder yet, hence start + length;
                // RotateAsync measures the encoder and may still take the record into this chunk.
                _rotationPending = true;
                _pendingStart = start;
                _pendingLength = length;
                _pendingRow = row;
                return i + 1;
            }
            else
            {
                sealer.Add(1, length, row);
                sealer.Count(1, _gzip is null ? length : 0);
            }

            if (_staging.Count >= _flushThreshold)
            {
                return i + 1;
            }
        }

        return rows.Length;
    }

    private async ValueTask RotateAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(_pendingStart, cancellationToken).ConfigureAwait(false);
        ChunkSealer sealer = _sealer!;
        if (_gzip is not null && sealer.HasRowRoom && _gzip.Pending > 0)
        {
            // The bound said no; the exact size after a flush may still say yes.
            _gzip.Measure();
            await WriteCompressedAsync(cancellationToken).ConfigureAwait(false);
            if (_gzip.Fits(_pendingLength, sealer.MaxBytes))
            {
                _staging.ReplacePrefix(_pendingStart, []);
                _rotationPending = false;
                sealer.Add(1, _pendingLength, _pendingRow!);
                sealer.Count(1, 0);
                return;
            }
        }

        await CommitChunkAsync(cancellationToken).ConfigureAwait(false);

        // The waiting record moves to the front of the buffer, behind a fresh preamble.
        _staging.ReplacePrefix(_pendingStart, _preamble.Span);
        _rotationPending = false;
        OpenChunk(_preamble.Length + _pendingLength, rows: 1, _pendingRow);
    }

    /// <summary>Opens the next chunk with what is staged for it (the preamble is among the staged bytes, hashed when flushed).</summary>
    private void OpenChunk(long bytes, long rows, VoucherTransaction? first)
    {
        _sealer!.Open(first?.CreatedAt, rows, bytes, first);
        _sealer.CountChunk();
        _sealer.Count(rows, _gzip is null ? bytes : 0);
    }

    /// <summary>Hands the first <paramref name="count"/> staged bytes to the open chunk, starting it in the sink if needed.</summary>
    private async ValueTask FlushAsync(int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        ReadOnlyMemory<byte> data = _staging.WrittenMemory[..count];
        if (_gzip is not null)
        {
            _gzip.Write(data.Span);
            await WriteCompressedAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        IChunkWriter writer = await _sealer!.WriterAsync(_sealer.Name, cancellationToken).ConfigureAwait(false);
        _sealer.Hash(data.Span);
        await writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands the compressed bytes produced so far to the open chunk (they are hashed as the encoder produces them).</summary>
    private async ValueTask WriteCompressedAsync(CancellationToken cancellationToken)
    {
        if (_compressed!.Count == 0)
        {
            return;
        }

        IChunkWriter writer = await _sealer!.WriterAsync(_sealer.Name, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(_compressed.WrittenMemory, cancellationToken).ConfigureAwait(false);
        _sealer.Count(0, _compressed.Count);
        _compressed.Clear();
    }

    private async ValueTask CommitChunkAsync(CancellationToken cancellationToken)
    {
        // Closing finishes the encoder (its last bytes wait in the compressed buffer) and takes the chunk's digest.
        ChunkInfo chunk = _sealer!.Close();
        if (_gzip is not null)
        {
            await WriteCompressedAsync(cancellationToken).ConfigureAwait(false);
        }

        await _sealer.CommitAsync(chunk, cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfNotWriting()
    {
        switch (_state)
        {
            case State.Writing:
                return;
            case State.Disposed:
                throw new ObjectDisposedException(nameof(ChunkedCsvWriter));
            case State.Completed:
                throw new InvalidOperationException("the export is already complete");
            default:
                throw new InvalidOperationException("an earlier write failed; the export cannot continue");
        }
    }
}
