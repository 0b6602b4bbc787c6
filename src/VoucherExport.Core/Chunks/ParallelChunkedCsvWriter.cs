using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using VoucherExport.Csv;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Chunks;

/// <summary>
/// The body of <see cref="ChunkedCsvWriter"/> when an export may use more than one thread. The calling thread cuts rows
/// into batches; up to <c>parallelism − 1</c> thread-pool workers format them, each with a record writer of its own;
/// each batch is then sealed, strictly in order: its chunk boundaries decided record by record and its bytes hashed;
/// and the calling thread writes the sealed batches to the sink, in order.
/// </summary>
/// <remarks>
/// <para>
/// The output is the same bytes, chunks and checksums as with one thread: formatting a batch depends on nothing before
/// it, and everything that does (where a chunk ends, its checksum, its created_at range) is decided while sealing, one
/// batch after the other, by whichever thread holds the seal token.
/// </para>
/// <para>
/// No thread idles while there is work: a worker seals whatever is formatted and next in order if the token is free,
/// and otherwise formats the oldest unclaimed batch, so hashing moves to whichever core has time, and with a busy
/// source it leaves the calling thread; the calling thread, when it needs a batch that is not sealed yet, seals one
/// itself or formats the oldest unclaimed batch too, and waits only when every pending batch is already in someone's
/// hands. Batches are formatted in order because sealing is: a thread formatting a later batch while the next one to
/// seal waits for nobody leaves the sealer idle. The export never uses more than <c>parallelism</c> threads, and a busy
/// thread pool slows it to one thread's speed but never stalls it. At most <see cref="WindowFor"/> batches are in
/// flight, so memory stays bounded.
/// </para>
/// </remarks>
internal sealed class ParallelChunkedCsvWriter : IThreadPoolWorkItem, IValueTaskSource
{
    /// <summary>Rows in the first batches, before the record size is known.</summary>
    internal const int InitialBatchRows = 256;

    /// <summary>The most rows a batch holds: small records should still make batches worth a hand-over.</summary>
    internal const int MaxBatchRows = 4096;

    /// <summary>The fewest batches in flight, whatever the thread count (see <see cref="WindowFor"/>).</summary>
    internal const int MinWindow = 16;

    private readonly ReadOnlyMemory<byte> _preamble;
    private readonly int _maxWorkers;
    private readonly int _batchBytes;
    private readonly CsvRecordWriter _callerRecords;
    private readonly FormatBatch[] _batches;
    private readonly Stack<CsvRecordWriter> _idleWriters = new();
    private readonly Lock _lock = new();

    // Shared between the threads, under _lock.
    private long _submitted;
    private long _firstUnclaimed;
    private long _sealedCount;
    private bool _sealing;
    private int _workers;
    private bool _stopping;
    private long _awaited = -1;
    private bool _awaitingIdle;
    private ManualResetValueTaskSourceCore<bool> _signal;

    // The chunk sealer: its seal side is touched only by the thread holding the seal token, its publish side only by
    // the calling thread.
    private readonly ChunkSealer _sealer;
    private readonly GzipChunkEncoder? _gzip;
    private int _compressedWritten;
    private bool _sealFailed;

    // Set before the first write when the writer verifies the source's declared order (see VerifyOrder).
    private OrderCheck? _order;
    private VoucherTransaction? _lastSealedRow;

    // The same for batches of lines: the last sealed row's instant and UTF-8 id (length -1 before the first).
    private long _lastSealedTicks;
    private byte[] _lastSealedId = new byte[64];
    private int _lastSealedIdLength = -1;

    // The rows of lines that become records: made in [from, before), in UTC ticks (see KeepLinesMadeWithin).
    private long _linesFromTicks = long.MinValue;
    private long _linesBeforeTicks = long.MaxValue;

    // The calling thread's own.
    private long _submittedRows;
    private long _written;
    private FormatBatch? _filling;
    private int _batchRows = InitialBatchRows;

    public ParallelChunkedCsvWriter(
        IChunkSink sink, ChunkLimits limits, CsvRecordWriter records, int parallelism, int batchBytes, bool checksums, ArrayPool<byte> pool,
        ExportResumePoint? resume = null, Func<ChunkInfo, CancellationToken, ValueTask>? committed = null)
    {
        _preamble = records.Preamble;
        _maxWorkers = parallelism - 1;
        _batchBytes = batchBytes;
        // Hashing and compression are sequential, so they happen while sealing, in order, on whichever thread holds the token.
        _sealer = new ChunkSealer(sink, limits, records.Preamble, checksums, pool, resume, committed);
        _gzip = _sealer.Gzip;

        // The record writer caches the last date, so each thread that formats gets its own.
        _callerRecords = records;
        for (int i = 0; i < _maxWorkers; i++)
        {
            _idleWriters.Push(new CsvRecordWriter(records.Format, records.Fields));
        }

        _batches = new FormatBatch[WindowFor(parallelism)];
        for (int i = 0; i < _batches.Length; i++)
        {
            _batches[i] = new FormatBatch(MaxBatchRows, batchBytes, pool);
        }
    }

    /// <summary>Records written so far.</summary>
    public long Rows => _sealer.Rows;

    /// <summary>Bytes written so far, preambles included (stored bytes: compressed ones with compression).</summary>
    public long Bytes => _sealer.Bytes;

    /// <summary>Chunks started so far.</summary>
    public int Chunks => _sealer.Chunks;

    /// <summary>
    /// The record bytes a batch aims at: three quarters of its buffer (which is <paramref name="batchBytes"/>, rented at
    /// that size). Aimed at the whole buffer, about every other batch ran a little over the average and doubled its buffer
    /// for good, and the buffer it left stayed in the pool: the 16 batches of a 2-thread export then held 8 MiB and the
    /// pool 4 MiB more, instead of 4 MiB (a quarter of the streamed JSON Lines export's peak, see benchmarks/results).
    /// </summary>
    internal static int BatchAim(int batchBytes) => Math.Max(1, batchBytes - (batchBytes / 4));

    /// <summary>
    /// Batches in flight: one being filled, one being written, two per thread so none waits for another while that one
    /// is busy with the batch before, and at least 16 in all. Sealing (SHA-256) is sequential and about as slow as
    /// formatting on one core, so with few threads the formatted batches must be able to queue ahead of the sealer
    /// while it catches up; with 2 threads a window of 8 left a core idle for a fifth of the run (measured, see
    /// benchmarks/results). 16 batches of about 256 KiB are 4 MiB, whatever the export's size.
    /// </summary>
    internal static int WindowFor(int parallelism) => Math.Max(MinWindow, (2 * parallelism) + 4);

    /// <summary>
    /// Has the writer verify, row by row, that the rows come in <paramref name="order"/>, as the engine's order check does
    /// for a source that declared it: each thread checks the rows of the batch it formats while they are in its cache,
    /// and the sealer checks each batch's first row against the last one sealed, so the calling thread, which otherwise
    /// made a pass of its own over every row, is free to format. The first row out of order fails the export with the
    /// same <see cref="DeclaredOrderViolationException"/> (same row number and ids) and nothing after it is written.
    /// Call before the first write.
    /// </summary>
    public void VerifyOrder(ExportOrder order)
    {
        if (_submitted != 0 || _filling is not null)
        {
            throw new InvalidOperationException("the order to verify must be set before the first row is written");
        }

        _order = new OrderCheck(order);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<VoucherTransaction> rows, CancellationToken cancellationToken)
    {
        int done = 0;
        while (done < rows.Length)
        {
            FormatBatch? batch = _filling ?? TakeFreeBatch();
            if (batch is null)
            {
                // Every batch is in flight: the oldest must be written to free one.
                return ContinueWriteAsync(rows, done, cancellationToken);
            }

            done += Fill(batch, rows.Span[done..]);
        }

        return WriteSealedAsync(cancellationToken);
    }

    /// <summary>
    /// Has the rows of lines written later become records only when made in [<paramref name="from"/>,
    /// <paramref name="before"/>) (null: no bound), as the export's as-of point and range keep rows
    /// (<see cref="TransactionQuery.InRange"/>); the others are still read and checked for order. Call before the first write.
    /// </summary>
    public void KeepLinesMadeWithin(DateTimeOffset? from, DateTimeOffset? before)
    {
        _linesFromTicks = from?.UtcTicks ?? long.MinValue;
        _linesBeforeTicks = before?.UtcTicks ?? long.MaxValue;
    }

    /// <summary>
    /// Writes the lines of <paramref name="block"/> (a JSON Lines ledger's, in its declared order), which the batch that
    /// takes them scans and formats on a formatting thread: the same records, chunks and errors as the rows the lines
    /// parse to, written with <see cref="WriteAsync"/>. The writer owns the block from here, whatever happens. Not to be
    /// mixed with <see cref="WriteAsync"/> in one export.
    /// </summary>
    public ValueTask WriteLinesAsync(LineBlock block, CancellationToken cancellationToken)
    {
        if (_filling is not null)
        {
            block.Release();
            throw new InvalidOperationException("lines cannot follow rows in one export");
        }

        FormatBatch? batch = TakeFreeBatch();
        if (batch is null)
        {
            return ContinueWriteLinesAsync(block, cancellationToken);
        }

        batch.AttachLines(block, _linesFromTicks, _linesBeforeTicks);
        Submit(batch);
        return WriteSealedAsync(cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ContinueWriteLinesAsync(LineBlock block, CancellationToken cancellationToken)
    {
        FormatBatch? batch;
        try
        {
            while ((batch = TakeFreeBatch()) is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            block.Release();
            throw;
        }

        batch.AttachLines(block, _linesFromTicks, _linesBeforeTicks);
        Submit(batch);
        await WriteSealedAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ChunkInfo>> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_filling is { Count: > 0 } last)
        {
            Submit(last);
        }

        while (_written < _submitted)
        {
            await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
        }

        // Every batch is sealed and no thread holds the token, so the chunk state is the calling thread's now.
        ArrayBufferWriter<byte>? tail = null;
        if (_gzip is not null)
        {
            tail = new ArrayBufferWriter<byte>(256);
            _gzip.Target = tail;
        }

        if (_sealer.NeedsEmptyChunk)
        {
            // Only an export without rows gets here: it still gets one chunk holding the preamble, so it is a valid CSV.
            string name = OpenChunk(createdAt: null);
            await OpenAsync(name, cancellationToken).ConfigureAwait(false);
        }

        if (!_sealer.IsOpen)
        {
            // Resumed after the last row: the chunks an earlier attempt committed are the whole export.
            return _sealer.Completed();
        }

        ChunkInfo closing = CloseChunk();
        if (tail is { WrittenCount: > 0 })
        {
            // The end of the gzip member: the last block and the trailer.
            await _sealer.Publishing!.WriteAsync(tail.WrittenMemory, cancellationToken).ConfigureAwait(false);
            _sealer.Count(0, tail.WrittenCount);
        }

        await _sealer.CommitAsync(closing, cancellationToken).ConfigureAwait(false);
        return _sealer.Completed();
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

        try
        {
            // Discards an uncommitted chunk, then releases the encoder and the hash.
            await _sealer.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            foreach (FormatBatch batch in _batches)
            {
                batch.Dispose();
            }
        }
    }

    /// <summary>
    /// A worker: seals what is formatted and next in order if the token is free, else formats the oldest unclaimed batch,
    /// until neither is left. When it seals the batch the calling thread waits for, it stops and runs the caller's
    /// continuation itself, handing what is left to a fresh work item, so the export keeps to its thread count and
    /// nothing hops through the queue.
    /// </summary>
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
            bool seal = false;
            bool retire = false;
            bool idle = false;
            lock (_lock)
            {
                if (!_stopping && CanSeal())
                {
                    // Sealing first: it is the one sequential step, and every formatted batch waits for it.
                    _sealing = true;
                    seal = true;
                }
                else if (!_stopping && _firstUnclaimed < _submitted)
                {
                    batch = ClaimOldest();
                }
                else
                {
                    idle = Retire(records);
                    retire = true;
                }
            }

            if (retire)
            {
                if (idle)
                {
                    _signal.SetResult(true);
                }

                return;
            }

            bool woke;
            if (seal)
            {
                woke = SealInOrder();
            }
            else
            {
                batch!.Format(records, _order);
                woke = FinishFormatting(batch);
            }

            if (!woke)
            {
                continue;
            }

            bool handOn = false;
            lock (_lock)
            {
                Retire(records);
                if (!_stopping && _firstUnclaimed < _submitted)
                {
                    _workers++;
                    handOn = true;
                }
            }

            if (handOn)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }

            _signal.SetResult(true);
            return;
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

    /// <summary>
    /// Claims the oldest unclaimed batch for formatting; under the lock. Every thread claims in order, so the batch
    /// the sealer needs next is always the first to be formatted.
    /// </summary>
    private FormatBatch ClaimOldest() => _batches[_firstUnclaimed++ % _batches.Length];

    private FormatBatch? TakeFreeBatch()
    {
        if (_submitted - _written == _batches.Length)
        {
            return null;
        }

        FormatBatch batch = _batches[_submitted % _batches.Length];
        batch.Reset();
        _filling = batch;
        return batch;
    }

    /// <summary>Adds rows to the batch being filled and submits it once full; returns how many rows it took.</summary>
    private int Fill(FormatBatch batch, ReadOnlySpan<VoucherTransaction> rows)
    {
        int taken = batch.Add(rows, _batchRows);
        if (batch.Count >= Math.Min(_batchRows, batch.Capacity))
        {
            Submit(batch);
        }

        return taken;
    }

    private void Submit(FormatBatch batch)
    {
        _filling = null;
        batch.FirstRow = _submittedRows;
        _submittedRows += batch.Count;
        bool start = false;
        lock (_lock)
        {
            batch.Sequence = _submitted;
            _submitted++;
            if (_workers < _maxWorkers && !_stopping)
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
                await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            done += Fill(batch, rows.Span[done..]);
        }

        await WriteSealedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the batches already sealed, oldest first, sealing formatted ones on the way; never waits for another thread.</summary>
    private ValueTask WriteSealedAsync(CancellationToken cancellationToken)
    {
        while (_written < _submitted)
        {
            FormatBatch oldest = _batches[_written % _batches.Length];
            if (!IsSealed(oldest))
            {
                if (TakeSealToken())
                {
                    SealInOrder();
                }

                if (!IsSealed(oldest))
                {
                    break;
                }
            }

            ValueTask writing = WriteBatchAsync(oldest, cancellationToken);
            if (!writing.IsCompletedSuccessfully)
            {
                return ContinueWritingSealedAsync(writing, cancellationToken);
            }

            writing.GetAwaiter().GetResult();
        }

        return ValueTask.CompletedTask;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ContinueWritingSealedAsync(ValueTask writing, CancellationToken cancellationToken)
    {
        await writing.ConfigureAwait(false);
        await WriteSealedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gets the oldest batch in flight sealed, then writes it: while it is not, seals what it can or formats the oldest
    /// unclaimed batch, and waits only when every pending batch is in another thread's hands.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteOldestAsync(CancellationToken cancellationToken)
    {
        FormatBatch oldest = _batches[_written % _batches.Length];
        while (true)
        {
            FormatBatch? claimed = null;
            bool seal = false;
            lock (_lock)
            {
                if (oldest.Sealed)
                {
                    break;
                }

                if (CanSeal())
                {
                    _sealing = true;
                    seal = true;
                }
                else if (_firstUnclaimed < _submitted)
                {
                    claimed = ClaimOldest();
                }
                else
                {
                    _awaited = oldest.Sequence;
                    _signal.Reset();
                }
            }

            if (seal)
            {
                SealInOrder();
            }
            else if (claimed is not null)
            {
                claimed.Format(_callerRecords, _order);
                FinishFormatting(claimed);
            }
            else
            {
                // Whoever seals the oldest batch wakes this thread; it is sealed then.
                await new ValueTask(this, _signal.Version).ConfigureAwait(false);
                break;
            }
        }

        await WriteBatchAsync(oldest, cancellationToken).ConfigureAwait(false);
    }

    private bool IsSealed(FormatBatch batch)
    {
        lock (_lock)
        {
            return batch.Sealed;
        }
    }

    /// <summary>Whether the seal token is free and the next batch to seal is formatted; under the lock.</summary>
    private bool CanSeal() =>
        !_sealing && _sealedCount < _submitted && _batches[_sealedCount % _batches.Length].Formatted;

    private bool TakeSealToken()
    {
        lock (_lock)
        {
            if (!CanSeal())
            {
                return false;
            }

            _sealing = true;
            return true;
        }
    }

    /// <summary>Marks a batch formatted and seals what it can; returns whether that woke the calling thread.</summary>
    private bool FinishFormatting(FormatBatch batch)
    {
        bool seal;
        lock (_lock)
        {
            batch.Formatted = true;
            seal = CanSeal();
            _sealing |= seal;
        }

        return seal && SealInOrder();
    }

    /// <summary>
    /// With the seal token: seals batches in order while the next one is formatted, then gives the token back. Returns
    /// whether it sealed the batch the calling thread waits for; it stops there, and the caller of this method wakes it.
    /// </summary>
    private bool SealInOrder()
    {
        while (true)
        {
            FormatBatch batch = _batches[_sealedCount % _batches.Length];
            Seal(batch);
            batch.DropRows();
            bool wake;
            bool more;
            lock (_lock)
            {
                batch.Sealed = true;
                _sealedCount++;
                wake = _awaited == batch.Sequence;
                if (wake)
                {
                    _awaited = -1;
                }

                more = !wake && _sealedCount < _submitted && _batches[_sealedCount % _batches.Length].Formatted;
                _sealing = more;
            }

            if (!more)
            {
                return wake;
            }
        }
    }

    /// <summary>Decides where the chunks of a formatted batch end, hashes its bytes, and lists the steps that write them.</summary>
    private void Seal(FormatBatch batch)
    {
        if (_order is not null && !_sealFailed && (batch.Count > 0 || batch.HoldsLines))
        {
            CheckBoundary(batch);
        }

        if (_sealFailed || batch.Failed)
        {
            // The calling thread raises the error when it reaches this batch; nothing after it is written.
            _sealFailed = true;
            return;
        }

        if (batch.Count == 0)
        {
            // A batch of lines whose rows all fall outside the export's as-of point or range.
            return;
        }

        if (_gzip is not null)
        {
            SealCompressed(batch);
            return;
        }

        int count = batch.Count;
        ReadOnlyMemory<byte> records = batch.Records;

        // Most batches land whole in the open chunk: one check instead of one per record.
        if (_sealer.IsOpen && _sealer.Fits(count, records.Length))
        {
            AddWrite(batch, 0, records.Length, count);
            batch.AddTo(_sealer, count, records.Length, count - 1);
            return;
        }

        ReadOnlySpan<int> ends = batch.Ends;
        int segmentStart = 0;
        int segmentRows = 0;
        int recordStart = 0;
        for (int i = 0; i < count; i++)
        {
            int length = ends[i] - recordStart;
            DateTimeOffset createdAt = batch.CreatedAtOf(i);
            if (!_sealer.IsOpen)
            {
                batch.Steps.Add(new PublishStep(PublishStepKind.Open, 0, 0, 0, OpenChunk(createdAt), null));
            }
            else if (!_sealer.HasRowRoom || !_sealer.Fits(0, length))
            {
                AddWrite(batch, segmentStart, recordStart, segmentRows);
                batch.Steps.Add(new PublishStep(PublishStepKind.Commit, 0, 0, 0, null, CloseChunk()));
                batch.Steps.Add(new PublishStep(PublishStepKind.Open, 0, 0, 0, OpenChunk(createdAt), null));
                segmentStart = recordStart;
                segmentRows = 0;
            }

            batch.AddTo(_sealer, 1, length, i);
            segmentRows++;
            recordStart = ends[i];
        }

        AddWrite(batch, segmentStart, records.Length, segmentRows);
    }

    /// <summary>
    /// The one pair of rows no formatting thread sees: the last row sealed and this batch's first. A violation there
    /// comes before any inside the batch, so it replaces whatever stopped the batch.
    /// </summary>
    private void CheckBoundary(FormatBatch batch)
    {
        if (batch.HoldsLines)
        {
            CheckLinesBoundary(batch);
            return;
        }

        ReadOnlySpan<VoucherTransaction> rows = batch.Rows;
        try
        {
            // A null row is left for the record writer to reject, as with one thread.
            if (_lastSealedRow is not null && rows[0] is not null)
            {
                _order!.Verify(_lastSealedRow, rows[0], batch.FirstRow + 1);
            }
        }
        catch (Exception e)
        {
            // Also a null row (the order's comparer rejects it): sealing runs on whichever thread holds the token, so
            // nothing may escape it; the calling thread raises the error when it reaches this batch.
            batch.Fail(e);
        }

        _lastSealedRow = rows[^1];
    }

    /// <summary>
    /// <see cref="CheckBoundary"/> for a batch of lines: its first row against the last one sealed, by instant and
    /// UTF-8 id, whether or not they became records (a batch whose formatting failed before its first row has none to check).
    /// </summary>
    private void CheckLinesBoundary(FormatBatch batch)
    {
        int lines = batch.LinesRead;
        if (lines == 0)
        {
            return;
        }

        if (_lastSealedIdLength >= 0)
        {
            try
            {
                _order!.Verify(_lastSealedTicks, _lastSealedId.AsSpan(0, _lastSealedIdLength), batch.TicksOf(0), batch.IdOf(0), batch.FirstRow + 1);
            }
            catch (DeclaredOrderViolationException e)
            {
                batch.Fail(e);
            }
        }

        ReadOnlySpan<byte> last = batch.IdOf(lines - 1);
        if (_lastSealedId.Length < last.Length)
        {
            _lastSealedId = new byte[Math.Max(last.Length, 2 * _lastSealedId.Length)];
        }

        last.CopyTo(_lastSealedId);
        _lastSealedIdLength = last.Length;
        _lastSealedTicks = batch.TicksOf(lines - 1);
    }

    /// <summary>
    /// <see cref="Seal"/> with compression: the records go through the encoder, and a record that fails the encoder's
    /// bound gets one more chance against the exact size after a flush before its chunk ends. The write steps point
    /// into the batch's compressed bytes.
    /// </summary>
    private void SealCompressed(FormatBatch batch)
    {
        GzipChunkEncoder gzip = _gzip!;
        int count = batch.Count;
        ReadOnlySpan<byte> records = batch.Records.Span;
        gzip.Target = batch.Compressed;
        _compressedWritten = 0;

        if (_sealer.IsOpen && _sealer.ChunkRows + count <= _sealer.MaxRows && gzip.Fits(records.Length, _sealer.MaxBytes))
        {
            gzip.Write(records);
            batch.AddTo(_sealer, count, records.Length, count - 1);
            AddCompressedWrite(batch, count);
            return;
        }

        ReadOnlySpan<int> ends = batch.Ends;
        int unfed = 0;
        int stepRows = 0;
        int recordStart = 0;
        for (int i = 0; i < count; i++)
        {
            int length = ends[i] - recordStart;
            DateTimeOffset createdAt = batch.CreatedAtOf(i);
            if (!_sealer.IsOpen)
            {
                batch.Steps.Add(new PublishStep(PublishStepKind.Open, 0, 0, 0, OpenChunk(createdAt), null));
            }
            else if (!_sealer.HasRowRoom || !gzip.Fits(recordStart - unfed + length, _sealer.MaxBytes))
            {
                gzip.Write(records[unfed..recordStart]);
                unfed = recordStart;
                bool fits = false;
                if (_sealer.HasRowRoom && gzip.Pending > 0)
                {
                    gzip.Measure();
                    fits = gzip.Fits(length, _sealer.MaxBytes);
                }

                if (!fits)
                {
                    ChunkInfo closed = CloseChunk();
                    AddCompressedWrite(batch, stepRows);
                    stepRows = 0;
                    batch.Steps.Add(new PublishStep(PublishStepKind.Commit, 0, 0, 0, null, closed));
                    batch.Steps.Add(new PublishStep(PublishStepKind.Open, 0, 0, 0, OpenChunk(createdAt), null));
                }
            }

            batch.AddTo(_sealer, 1, length, i);
            stepRows++;
            recordStart = ends[i];
        }

        gzip.Write(records[unfed..]);
        AddCompressedWrite(batch, stepRows);
    }

    /// <summary>Adds a write of the compressed bytes produced since the last one (already hashed by the encoder).</summary>
    private void AddCompressedWrite(FormatBatch batch, int rows)
    {
        int end = batch.Compressed.Count;
        if (end > _compressedWritten || rows > 0)
        {
            batch.Steps.Add(new PublishStep(PublishStepKind.Write, _compressedWritten, end, rows, null, null));
            _compressedWritten = end;
        }
    }

    private void AddWrite(FormatBatch batch, int start, int end, int rows)
    {
        if (end > start)
        {
            _sealer.Hash(batch.Records.Span[start..end]);
            batch.Steps.Add(new PublishStep(PublishStepKind.Write, start, end, rows, null, null));
        }
    }

    /// <summary>Starts a chunk in the seal state, its preamble hashed; returns its name.</summary>
    private string OpenChunk(DateTimeOffset? createdAt)
    {
        string name = _sealer.Open(createdAt, rows: 0, bytes: _preamble.Length);
        if (_gzip is null)
        {
            _sealer.Hash(_preamble.Span);
        }
        else
        {
            // The preamble is the start of the compressed stream; the open step writes nothing of its own.
            _gzip.Write(_preamble.Span);
        }

        return name;
    }

    /// <summary>Ends the chunk in the seal state; returns it as the manifest will list it.</summary>
    private ChunkInfo CloseChunk() => _sealer.Close();

    /// <summary>Writes a sealed batch: its steps, in order. Raises the error that stopped its formatting, if any.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteBatchAsync(FormatBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        batch.ThrowIfFailed();
        _written++;
        if (batch.Count > 0)
        {
            long perRow = Math.Max(1, batch.Records.Length / batch.Count);
            _batchRows = (int)Math.Clamp(BatchAim(_batchBytes) / perRow, 16, MaxBatchRows);
        }

        for (int i = 0; i < batch.Steps.Count; i++)
        {
            PublishStep step = batch.Steps[i];
            switch (step.Kind)
            {
                case PublishStepKind.Open:
                    await OpenAsync(step.Name!, cancellationToken).ConfigureAwait(false);
                    break;
                case PublishStepKind.Write:
                    ReadOnlyMemory<byte> bytes = _gzip is null ? batch.Records : batch.Compressed.WrittenMemory;
                    await _sealer.Publishing!.WriteAsync(bytes[step.Start..step.End], cancellationToken).ConfigureAwait(false);
                    _sealer.Count(step.Rows, step.End - step.Start);
                    break;
                default:
                    await _sealer.CommitAsync(step.Chunk!, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async ValueTask OpenAsync(string name, CancellationToken cancellationToken)
    {
        IChunkWriter writer = await _sealer.WriterAsync(name, cancellationToken).ConfigureAwait(false);
        _sealer.CountChunk();
        if (_gzip is null)
        {
            await writer.WriteAsync(_preamble, cancellationToken).ConfigureAwait(false);
            _sealer.Count(0, _preamble.Length);
        }
    }
}
