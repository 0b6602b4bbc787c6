using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Tasks.Sources;
using VoucherExport.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Chunks;

/// <summary>
/// The body of <see cref="ChunkedCsvWriter"/> when an export may use more than one thread: the calling thread cuts rows
/// into batches, up to <c>parallelism − 1</c> thread-pool workers format batches at once, each with a record writer of
/// its own, and the calling thread publishes the formatted batches strictly in order: it rotates chunks between
/// records, hashes and writes. Whenever it would otherwise wait for a batch, it formats the next one itself.
/// </summary>
/// <remarks>
/// <para>
/// The output is the same bytes, chunks and checksums as with one thread: a batch only formats, and every decision
/// that depends on what came before (where a chunk ends, its checksum, its created_at range) is taken by the publisher,
/// record by record, in order.
/// </para>
/// <para>
/// At most <see cref="WindowFor"/> batches are in flight, so memory stays bounded however far the source runs ahead.
/// The export never uses more than <c>parallelism</c> threads, and none of them idles while a batch is waiting to be
/// formatted: the caller helps, so a busy thread pool slows the export down to one thread's speed but never stalls it.
/// The caller waits only when every batch before the one it needs is already being formatted; the worker that finishes
/// it stops formatting and runs the caller's continuation itself (handing on what is left to a fresh work item), so
/// the caller's hashing and the workers' formatting share the cores without a queue hop.
/// </para>
/// </remarks>
internal sealed class ParallelChunkedCsvWriter : IThreadPoolWorkItem, IValueTaskSource
{
    /// <summary>Rows in the first batches, before the record size is known.</summary>
    internal const int InitialBatchRows = 256;

    /// <summary>The most rows a batch holds: small records should still make batches worth a hand-over.</summary>
    internal const int MaxBatchRows = 4096;

    private readonly IChunkSink _sink;
    private readonly ReadOnlyMemory<byte> _preamble;
    private readonly long _maxBytes;
    private readonly long _maxRows;
    private readonly int _maxWorkers;
    private readonly CsvRecordWriter _callerRecords;
    private readonly int _batchBytes;
    private readonly IncrementalHash? _hash;
    private readonly List<ChunkInfo> _completed = [];
    private readonly FormatBatch[] _batches;
    private readonly Stack<CsvRecordWriter> _idleWriters = new();
    private readonly Lock _lock = new();

    // Shared with the workers, under _lock.
    private long _submitted;
    private long _nextToFormat;
    private int _workers;
    private bool _stopping;
    private long _awaited = -1;
    private bool _awaitingIdle;
    private ManualResetValueTaskSourceCore<bool> _signal;

    // The caller's side: only the caller touches these.
    private long _published;
    private FormatBatch? _filling;
    private int _batchRows = InitialBatchRows;
    private IChunkWriter? _writer;
    private bool _chunkOpen;
    private long _chunkRows;
    private long _chunkBytes;
    private DateTimeOffset? _firstCreatedAt;
    private DateTimeOffset? _lastCreatedAt;
    private long _rows;
    private long _bytes;
    private int _chunks;

    public ParallelChunkedCsvWriter(
        IChunkSink sink, ChunkLimits limits, CsvRecordWriter records, int parallelism, int batchBytes, bool checksums)
    {
        _sink = sink;
        _preamble = records.Preamble;
        _maxBytes = limits.MaxChunkBytes;
        _maxRows = limits.MaxChunkRows ?? long.MaxValue;
        _maxWorkers = parallelism - 1;
        _batchBytes = batchBytes;
        _hash = checksums ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;

        // The record writer caches the last date, so each thread that formats gets its own.
        _callerRecords = records;
        for (int i = 0; i < _maxWorkers; i++)
        {
            _idleWriters.Push(new CsvRecordWriter(records.Format, records.Fields));
        }

        _batches = new FormatBatch[WindowFor(parallelism)];
        for (int i = 0; i < _batches.Length; i++)
        {
            _batches[i] = new FormatBatch(MaxBatchRows, batchBytes);
        }
    }

    /// <summary>Records published so far.</summary>
    public long Rows => Volatile.Read(ref _rows);

    /// <summary>Bytes published so far, preambles included.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Chunks started so far.</summary>
    public int Chunks => Volatile.Read(ref _chunks);

    /// <summary>
    /// Batches in flight: one being filled, one being published, and two per formatting thread so none waits for the
    /// publisher while the publisher is busy with the batch before.
    /// </summary>
    internal static int WindowFor(int parallelism) => (2 * parallelism) + 2;

    public ValueTask WriteAsync(ReadOnlyMemory<VoucherTransaction> rows, CancellationToken cancellationToken)
    {
        int done = 0;
        while (done < rows.Length)
        {
            FormatBatch? batch = _filling ?? TakeFreeBatch();
            if (batch is null)
            {
                // Every batch is in flight: publish the oldest to free one.
                return ContinueWriteAsync(rows, done, cancellationToken);
            }

            done += batch.Add(rows.Span[done..], _batchRows);
            if (batch.Count >= Math.Min(_batchRows, batch.Capacity))
            {
                Submit(batch);
            }
        }

        return PublishFormattedAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<ChunkInfo>> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_filling is { Count: > 0 } last)
        {
            Submit(last);
        }

        while (_published < _submitted)
        {
            await PublishOldestAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!_chunkOpen)
        {
            // Only an export without rows gets here: it still gets one chunk holding the preamble, so it is a valid CSV.
            await OpenChunkAsync(rows: 0, createdAt: null, cancellationToken).ConfigureAwait(false);
        }

        await CommitChunkAsync(cancellationToken).ConfigureAwait(false);
        return _completed.ToArray();
    }

    /// <summary>Stops the workers, waits until none touches a buffer, then discards an uncommitted chunk and returns the buffers.</summary>
    public async ValueTask DisposeAsync()
    {
        bool wait;
        lock (_lock)
        {
            _stopping = true;
            wait = _workers > 0;
            if (wait)
            {
                _awaitingIdle = true;
                _signal.Reset();
            }
        }

        if (wait)
        {
            await new ValueTask(this, _signal.Version).ConfigureAwait(false);
        }

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
            foreach (FormatBatch batch in _batches)
            {
                batch.Dispose();
            }

            _hash?.Dispose();
        }
    }

    /// <summary>A worker: formats submitted batches in sequence order until none is left or the caller is waiting for the one it finished.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        CsvRecordWriter records;
        lock (_lock)
        {
            records = _idleWriters.Pop();
        }

        while (true)
        {
            FormatBatch? batch = null;
            bool idle = false;
            lock (_lock)
            {
                if (_stopping || _nextToFormat == _submitted)
                {
                    idle = Retire(records);
                }
                else
                {
                    batch = _batches[_nextToFormat % _batches.Length];
                    _nextToFormat++;
                }
            }

            if (batch is null)
            {
                if (idle)
                {
                    _signal.SetResult(true);
                }

                return;
            }

            batch.Format(records);

            bool wake;
            bool handOn = false;
            lock (_lock)
            {
                batch.Formatted = true;
                wake = _awaited == batch.Sequence;
                if (wake)
                {
                    // This thread goes on as the caller; a fresh work item takes over what is left to format.
                    _awaited = -1;
                    Retire(records);
                    if (!_stopping && _nextToFormat < _submitted)
                    {
                        _workers++;
                        handOn = true;
                    }
                }
            }

            if (wake)
            {
                if (handOn)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                }

                _signal.SetResult(true);
                return;
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => _signal.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _signal.OnCompleted(continuation, state, token, flags);

    /// <summary>Gives a worker's record writer back; under the lock. Returns whether the last worker of a stopping writer left.</summary>
    private bool Retire(CsvRecordWriter records)
    {
        _idleWriters.Push(records);
        _workers--;
        if (_workers != 0 || !_awaitingIdle)
        {
            return false;
        }

        _awaitingIdle = false;
        return true;
    }

    private FormatBatch? TakeFreeBatch()
    {
        if (_submitted - _published == _batches.Length)
        {
            return null;
        }

        FormatBatch batch = _batches[_submitted % _batches.Length];
        batch.Reset();
        _filling = batch;
        return batch;
    }

    private void Submit(FormatBatch batch)
    {
        _filling = null;
        bool start = false;
        lock (_lock)
        {
            batch.Sequence = _submitted;
            _submitted++;
            if (_workers < _maxWorkers)
            {
                _workers++;
                start = true;
            }
        }

        if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ContinueWriteAsync(ReadOnlyMemory<VoucherTransaction> rows, int done, CancellationToken cancellationToken)
    {
        while (done < rows.Length)
        {
            FormatBatch? batch = _filling ?? TakeFreeBatch();
            if (batch is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await PublishOldestAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            done += batch.Add(rows.Span[done..], _batchRows);
            if (batch.Count >= Math.Min(_batchRows, batch.Capacity))
            {
                Submit(batch);
            }
        }

        await PublishFormattedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes the batches already formatted, oldest first, without waiting for the others.</summary>
    private ValueTask PublishFormattedAsync(CancellationToken cancellationToken)
    {
        while (_published < _submitted && IsFormatted(_published))
        {
            ValueTask publishing = PublishAsync(_batches[_published % _batches.Length], cancellationToken);
            if (!publishing.IsCompletedSuccessfully)
            {
                return ContinuePublishingAsync(publishing, cancellationToken);
            }

            publishing.GetAwaiter().GetResult();
        }

        return ValueTask.CompletedTask;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ContinuePublishingAsync(ValueTask publishing, CancellationToken cancellationToken)
    {
        await publishing.ConfigureAwait(false);
        await PublishFormattedAsync(cancellationToken).ConfigureAwait(false);
    }

    private bool IsFormatted(long sequence)
    {
        lock (_lock)
        {
            return _batches[sequence % _batches.Length].Formatted;
        }
    }

    /// <summary>
    /// Gets the oldest batch in flight formatted, then publishes it: while it is not done, formats the next batch no
    /// worker has claimed, and waits only when every one is claimed.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PublishOldestAsync(CancellationToken cancellationToken)
    {
        FormatBatch oldest = _batches[_published % _batches.Length];
        while (true)
        {
            FormatBatch? claimed = null;
            bool wait = false;
            lock (_lock)
            {
                if (oldest.Formatted)
                {
                    break;
                }

                if (_nextToFormat < _submitted)
                {
                    claimed = _batches[_nextToFormat % _batches.Length];
                    _nextToFormat++;
                }
                else
                {
                    wait = true;
                    _awaited = oldest.Sequence;
                    _signal.Reset();
                }
            }

            if (wait)
            {
                await new ValueTask(this, _signal.Version).ConfigureAwait(false);
                break;
            }

            claimed!.Format(_callerRecords);
            lock (_lock)
            {
                claimed.Formatted = true;
            }
        }

        await PublishAsync(oldest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands a formatted batch to the chunks, rotating between records exactly as the one-thread writer does.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PublishAsync(FormatBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        batch.ThrowIfFailed();
        _published++;
        int count = batch.Count;
        if (count == 0)
        {
            return;
        }

        ReadOnlyMemory<byte> records = batch.Records;
        AdaptBatchRows(records.Length, count);

        // Most batches land whole in the open chunk: one check instead of one per record.
        if (_chunkOpen && _chunkBytes + records.Length <= _maxBytes && _chunkRows + count <= _maxRows)
        {
            Append(count, records.Length, batch.Rows[count - 1].CreatedAt);
            await WriteChunkAsync(records, cancellationToken).ConfigureAwait(false);
            return;
        }

        int segmentStart = 0;
        int recordStart = 0;
        for (int i = 0; i < count; i++)
        {
            int recordEnd = batch.Ends[i];
            int length = recordEnd - recordStart;
            DateTimeOffset createdAt = batch.Rows[i].CreatedAt;
            if (!_chunkOpen)
            {
                await OpenChunkAsync(rows: 1, createdAt, cancellationToken).ConfigureAwait(false);
                Append(0, length, createdAt);
            }
            else if (_chunkBytes + length > _maxBytes || _chunkRows >= _maxRows)
            {
                await WriteChunkAsync(records[segmentStart..recordStart], cancellationToken).ConfigureAwait(false);
                await CommitChunkAsync(cancellationToken).ConfigureAwait(false);
                segmentStart = recordStart;
                await OpenChunkAsync(rows: 1, createdAt, cancellationToken).ConfigureAwait(false);
                Append(0, length, createdAt);
            }
            else
            {
                Append(1, length, createdAt);
            }

            recordStart = recordEnd;
        }

        await WriteChunkAsync(records[segmentStart..], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Aims the next batches at the byte size the hand-over was tuned for, from the records seen so far.</summary>
    private void AdaptBatchRows(int bytes, int rows)
    {
        long perRow = Math.Max(1, bytes / rows);
        _batchRows = (int)Math.Clamp(_batchBytes / perRow, 16, MaxBatchRows);
    }

    private void Append(long rows, long bytes, DateTimeOffset createdAt)
    {
        _chunkRows += rows;
        _chunkBytes += bytes;
        _lastCreatedAt = createdAt;
        Volatile.Write(ref _rows, _rows + rows);
        Volatile.Write(ref _bytes, _bytes + bytes);
    }

    /// <summary>Starts a chunk with the preamble; <paramref name="rows"/> is 1 when a record follows, 0 for the empty export.</summary>
    private async ValueTask OpenChunkAsync(long rows, DateTimeOffset? createdAt, CancellationToken cancellationToken)
    {
        _chunkOpen = true;
        _chunkRows = rows;
        _chunkBytes = _preamble.Length;
        _firstCreatedAt = createdAt;
        _lastCreatedAt = createdAt;
        Volatile.Write(ref _chunks, _chunks + 1);
        Volatile.Write(ref _rows, _rows + rows);
        Volatile.Write(ref _bytes, _bytes + _preamble.Length);
        await WriteChunkAsync(_preamble, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteChunkAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _writer ??= await _sink.CreateChunkAsync(ChunkInfo.NameFor(_chunks), cancellationToken).ConfigureAwait(false);
        _hash?.AppendData(data.Span);
        await _writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask CommitChunkAsync(CancellationToken cancellationToken)
    {
        string name = ChunkInfo.NameFor(_chunks);
        _writer ??= await _sink.CreateChunkAsync(name, cancellationToken).ConfigureAwait(false);
        await _writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        IChunkWriter committed = _writer;
        _writer = null;
        await committed.DisposeAsync().ConfigureAwait(false);

        _completed.Add(new ChunkInfo(
            name,
            _chunkRows,
            _chunkBytes,
            ChunkedCsvWriter.DigestOf(_hash),
            _firstCreatedAt,
            _lastCreatedAt,
            Oversize: _chunkBytes > _maxBytes));
        _chunkOpen = false;
    }
}
