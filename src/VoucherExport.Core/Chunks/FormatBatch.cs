using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Unicode;
using VoucherExport.Csv;
using VoucherExport.Ordering;
using VoucherExport.Transactions;

namespace VoucherExport.Chunks;

/// <summary>
/// A run of consecutive rows formatted together by one thread of a <see cref="ParallelChunkedCsvWriter"/>: the rows
/// (references copied from the caller's batch, which the source may reuse), their records in one pooled buffer, where
/// each record ends, so the in-order sealer can rotate chunks between records without looking at the bytes, and the
/// steps that sealing decided for the calling thread to write.
/// </summary>
/// <remarks>
/// A batch holds either rows or, for a JSON Lines ledger read in the declared order, a <see cref="LineBlock"/> of raw
/// lines that the formatting thread scans and formats straight into records (<see cref="AttachLines"/>): no row object,
/// string or <c>details</c> copy is made, and what sealing needs of each row (its instant, id and line end) is kept
/// in arrays of the batch.
/// </remarks>
internal sealed class FormatBatch : IDisposable
{
    private readonly VoucherTransaction[] _rows;
    private readonly int[] _ends;
    private readonly StagingBuffer _output;
    private readonly ArrayPool<byte> _pool;
    private readonly int _compressedInitialSize;
    private StagingBuffer? _compressed;
    private int _count;
    private ExceptionDispatchInfo? _error;

    // Lines mode: the block to format, and what sealing needs of each row once it is formatted.
    private LineBlock? _lines;
    private long[]? _ticks;
    private long[]? _lineEnds;
    private int[]? _idEnds;
    private int[]? _recordLines;
    private long _fromTicks;
    private long _beforeTicks;
    private int _linesRead;
    private byte[]? _ids;
    private byte[]? _scratch;
    private bool _lineMode;

    /// <summary>A batch of up to <paramref name="capacity"/> rows; its arrays are pooled, so a run allocates them once per process.</summary>
    public FormatBatch(int capacity, int initialBufferSize, ArrayPool<byte> pool)
    {
        Capacity = capacity;
        _rows = ArrayPool<VoucherTransaction>.Shared.Rent(capacity);
        _ends = ArrayPool<int>.Shared.Rent(capacity);
        _output = new StagingBuffer(initialBufferSize, pool);
        _pool = pool;

        // Export CSV compresses to well under a quarter; a batch that does not just grows its buffer.
        _compressedInitialSize = Math.Max(initialBufferSize / 4, 1);
    }

    /// <summary>The most rows the batch can hold.</summary>
    public int Capacity { get; }

    /// <summary>Rows added so far.</summary>
    public int Count => _count;

    /// <summary>The position of the batch in the export, from 0; batches are published in this order.</summary>
    public long Sequence { get; set; }

    /// <summary>The position of the batch's first row in the export, from 0 (rows before it, all batches counted).</summary>
    public long FirstRow { get; set; }

    /// <summary>Whether a thread has finished the batch (formatted it, or caught the error that stopped it).</summary>
    /// <remarks>Read and written under the owning writer's lock, which also publishes the bytes to the next thread.</remarks>
    public bool Formatted { get; set; }

    /// <summary>Whether the batch is sealed: its chunk boundaries decided, its bytes hashed, its <see cref="Steps"/> ready.</summary>
    /// <remarks>Under the owning writer's lock, as <see cref="Formatted"/>.</remarks>
    public bool Sealed { get; set; }

    /// <summary>Whether formatting stopped at an error, which the calling thread raises when it reaches this batch.</summary>
    public bool Failed => _error is not null;

    /// <summary>What the calling thread writes for this batch, in order; filled when the batch is sealed.</summary>
    public List<PublishStep> Steps { get; } = [];

    /// <summary>The records, back to back.</summary>
    public ReadOnlyMemory<byte> Records => _output.WrittenMemory;

    /// <summary>
    /// With compression: the compressed bytes produced while this batch was sealed, which the publish steps write
    /// (created on first use, so exports without compression never allocate it).
    /// </summary>
    public StagingBuffer Compressed => _compressed ??= new StagingBuffer(_compressedInitialSize, _pool);

    /// <summary>The end offset in <see cref="Records"/> of each record.</summary>
    public ReadOnlySpan<int> Ends => _ends.AsSpan(0, _count);

    /// <summary>The rows, in order (until <see cref="DropRows"/>).</summary>
    public ReadOnlySpan<VoucherTransaction> Rows => _rows.AsSpan(0, _count);

    /// <summary>Copies as many of <paramref name="rows"/> as fit; returns how many.</summary>
    public int Add(ReadOnlySpan<VoucherTransaction> rows, int limit)
    {
        int taken = Math.Min(rows.Length, Math.Min(limit, Capacity) - _count);
        if (taken <= 0)
        {
            return 0;
        }

        rows[..taken].CopyTo(_rows.AsSpan(_count));
        _count += taken;
        return taken;
    }

    /// <summary>Whether the batch holds lines (<see cref="AttachLines"/>) instead of rows.</summary>
    public bool HoldsLines => _lineMode;

    /// <summary>
    /// Takes <paramref name="block"/> (the batch owns it from here and releases it once formatted, or when reset or
    /// disposed) to be formatted in lines mode; every line is a row until the first that fails, and becomes a record when
    /// it was made in [<paramref name="fromTicks"/>, <paramref name="beforeTicks"/>) (UTC ticks: the export's as-of point
    /// and range, <see cref="TransactionQuery.InRange"/>). <see cref="Count"/> is the lines until formatted, the records after.
    /// </summary>
    public void AttachLines(LineBlock block, long fromTicks, long beforeTicks)
    {
        if (block.Count > Capacity)
        {
            block.Release();
            throw new InvalidOperationException($"a block of {block.Count} lines does not fit a batch of {Capacity} rows");
        }

        _ticks ??= ArrayPool<long>.Shared.Rent(Capacity);
        _lineEnds ??= ArrayPool<long>.Shared.Rent(Capacity);
        _idEnds ??= ArrayPool<int>.Shared.Rent(Capacity);
        _recordLines ??= ArrayPool<int>.Shared.Rent(Capacity);
        _fromTicks = fromTicks;
        _beforeTicks = beforeTicks;
        _ids ??= ArrayPool<byte>.Shared.Rent(Capacity * 32);
        _lines = block;
        _lineMode = true;
        _count = block.Count;
    }

    /// <summary>When the row of record <paramref name="index"/> was made.</summary>
    public DateTimeOffset CreatedAtOf(int index) =>
        _lineMode ? new DateTimeOffset(_ticks![_recordLines![index]], TimeSpan.Zero) : _rows[index].CreatedAt;

    /// <summary>Takes <paramref name="rows"/> records of <paramref name="bytes"/> into the sealer's open chunk, the last of them record <paramref name="last"/>.</summary>
    public void AddTo(ChunkSealer sealer, long rows, long bytes, int last)
    {
        if (_lineMode)
        {
            int line = _recordLines![last];
            sealer.Add(rows, bytes, new DateTimeOffset(_ticks![line], TimeSpan.Zero), Encoding.UTF8.GetString(IdOf(line)), _lineEnds![line]);
        }
        else
        {
            sealer.Add(rows, bytes, _rows[last]);
        }
    }

    /// <summary>Lines mode: the lines read into rows (all of them, unless one failed), records or not.</summary>
    public int LinesRead => _linesRead;

    /// <summary>Lines mode: the instant of line <paramref name="index"/>'s row, in UTC ticks.</summary>
    public long TicksOf(int index) => _ticks![index];

    /// <summary>Lines mode: the id of line <paramref name="index"/>'s row, in UTF-8.</summary>
    public ReadOnlySpan<byte> IdOf(int index)
    {
        int start = index == 0 ? 0 : _idEnds![index - 1];
        return _ids.AsSpan(start, _idEnds![index] - start);
    }

    /// <summary>
    /// Formats every row with <paramref name="records"/>; an error is kept for the publisher to raise in order. With
    /// <paramref name="order"/>, also checks that each row follows the one before it in the batch (the first row's
    /// predecessor is checked when the batch is sealed), while the row is at hand for formatting anyway.
    /// </summary>
    public void Format(CsvRecordWriter records, OrderCheck? order)
    {
        _output.Clear();
        if (_lineMode)
        {
            FormatLines(records, order);
            return;
        }

        try
        {
            ReadOnlySpan<VoucherTransaction> rows = _rows.AsSpan(0, _count);
            for (int i = 0; i < rows.Length; i++)
            {
                CsvRecordWriter.PrefetchAhead(rows, i);
                if (order is not null && i > 0 && rows[i] is not null)
                {
                    order.Verify(rows[i - 1], rows[i], FirstRow + i + 1);
                }

                records.WriteRecord(_output, rows[i]);
                _ends[i] = _output.Count;
            }
        }
        catch (Exception e)
        {
            // Raised by the publisher when it reaches this batch, so the rows before it are written first, as in one thread.
            _error = ExceptionDispatchInfo.Capture(e);
        }
    }

    /// <summary>
    /// Lines mode: scans each line and writes its record straight from the line; a line the scan leaves alone goes
    /// through the full parser and the row writer, so every record is the bytes the row path gives and every error the
    /// one it raises. The block is released at the end: all that sealing needs is kept in the batch's arrays.
    /// </summary>
    private void FormatLines(CsvRecordWriter records, OrderCheck? order)
    {
        LineBlock block = _lines!;
        int count = block.Count;
        int read = 0;
        int kept = 0;
        int idsUsed = 0;
        try
        {
            for (int i = 0; i < count; i++)
            {
                if (block.IsTooLong(i))
                {
                    throw block.TooLong(i);
                }

                ReadOnlySpan<byte> line = block.Line(i);
                ScannedRow row = default;
                VoucherTransaction? parsed = null;
                bool scanned = line.Length < CsvRecordWriter.MaxScannedLineBytes && Utf8.IsValid(line) && TransactionJson.TryScan(line, out row);
                if (!scanned)
                {
                    try
                    {
                        parsed = TransactionJson.Parse(line);
                    }
                    catch (FormatException ex)
                    {
                        throw block.Malformed(i, ex);
                    }
                }

                long ticks = scanned ? row.CreatedAt.UtcTicks : parsed!.CreatedAt.UtcTicks;
                ReadOnlySpan<byte> id = scanned ? row.Id.Utf8(line, ref _scratch) : Encoding.UTF8.GetBytes(parsed!.Id);
                if (idsUsed + id.Length > _ids!.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(2 * _ids.Length, idsUsed + id.Length));
                    _ids.AsSpan(0, idsUsed).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(_ids);
                    _ids = larger;
                }

                id.CopyTo(_ids.AsSpan(idsUsed));
                idsUsed += id.Length;
                _idEnds![i] = idsUsed;
                _ticks![i] = ticks;
                _lineEnds![i] = block.LineEnd(i);
                if (order is not null && i > 0)
                {
                    order.Verify(_ticks[i - 1], IdOf(i - 1), ticks, IdOf(i), FirstRow + i + 1);
                }

                read++;
                if (ticks < _fromTicks || ticks >= _beforeTicks)
                {
                    // Outside the as-of point or the range: read and checked for order, as the rows path does, not written.
                    continue;
                }

                if (scanned)
                {
                    records.WriteRecord(_output, line, in row, ref _scratch);
                }
                else
                {
                    records.WriteRecord(_output, parsed!);
                }

                _recordLines![kept] = i;
                _ends[kept++] = _output.Count;
            }
        }
        catch (Exception e)
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _linesRead = read;
            _count = kept;
            _lines = null;
            block.Release();
        }
    }

    /// <summary>Replaces whatever stopped the batch with <paramref name="error"/>, found while sealing, before any row of it.</summary>
    public void Fail(Exception error) => _error = ExceptionDispatchInfo.Capture(error);

    /// <summary>Throws the error formatting stopped at, if any.</summary>
    public void ThrowIfFailed() => _error?.Throw();

    /// <summary>
    /// Drops the row references once the batch is sealed: its bytes and steps are all that is left to write, and a batch
    /// slot otherwise kept its rows alive until it was reused, a whole window later (<see cref="Count"/> stays).
    /// </summary>
    public void DropRows()
    {
        if (!_lineMode)
        {
            Array.Clear(_rows, 0, _count);
        }
    }

    /// <summary>Empties the batch for reuse; the row references are dropped so the rows can be collected.</summary>
    public void Reset()
    {
        if (!_lineMode)
        {
            Array.Clear(_rows, 0, _count);
        }

        _lines?.Release();
        _lines = null;
        _lineMode = false;
        _count = 0;
        _error = null;
        Formatted = false;
        Sealed = false;
        Steps.Clear();
        _compressed?.Clear();
    }

    /// <summary>Returns the arrays and the buffer to their pools.</summary>
    public void Dispose()
    {
        Reset();
        ArrayPool<VoucherTransaction>.Shared.Return(_rows);
        ArrayPool<int>.Shared.Return(_ends);
        ReturnLineArrays();
        _output.Dispose();
        _compressed?.Dispose();
    }

    private void ReturnLineArrays()
    {
        if (_ticks is not null)
        {
            ArrayPool<long>.Shared.Return(_ticks);
            ArrayPool<long>.Shared.Return(_lineEnds!);
            ArrayPool<int>.Shared.Return(_idEnds!);
            ArrayPool<int>.Shared.Return(_recordLines!);
            ArrayPool<byte>.Shared.Return(_ids!);
            _ticks = null;
            _lineEnds = null;
            _idEnds = null;
            _recordLines = null;
            _ids = null;
        }
    }
}
