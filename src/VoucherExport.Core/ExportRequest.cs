using System.Buffers;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport;

/// <summary>Everything one export run needs besides its source and sinks.</summary>
public sealed record ExportRequest
{
    /// <summary>The export object being run (its id names the sink; its parameters say what to export).</summary>
    public required ExportObject Export { get; init; }

    /// <summary>The CSV dialect.</summary>
    public CsvFormat Csv { get; init; } = CsvFormat.Default;

    /// <summary>The chunk limits, and whether chunks are stored gzip-compressed (<see cref="ChunkLimits.Compression"/>).</summary>
    public ChunkLimits Chunks { get; init; } = ChunkLimits.Default;

    /// <summary>How rows are sorted when the source does not deliver the order.</summary>
    public SortOptions Sort { get; init; } = SortOptions.Default;

    /// <summary>Resolves voucher codes in <c>voucher_id</c> filters to ids.</summary>
    public IVoucherDirectory Vouchers { get; init; } = InMemoryVoucherDirectory.Empty;

    /// <summary>The clock: relative date filters use one reading of it, taken when the run starts.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Threads the export may use; default all cores (<see cref="ChunkedCsvWriter.AllCores"/>). 1 does everything on the
    /// calling thread; more read and parse file sources on their own thread, format batches of rows in parallel on the
    /// thread pool, hash them in order on whichever thread is free, and the calling thread writes them in order. The
    /// chunks are the same bytes either way.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1 or above <see cref="ChunkedCsvWriter.MaxParallelism"/>.</exception>
    public int Parallelism
    {
        get;
        init
        {
            ChunkedCsvWriter.ThrowIfBadParallelism(value);
            field = value;
        }
    } = ChunkedCsvWriter.AllCores;

    /// <summary>
    /// Where the run rents its byte buffers (chunk staging, parallel batches, sort runs); default
    /// <see cref="ArrayPool{T}.Shared"/>, so buffers are reused across exports. Every buffer rented is returned when
    /// the run ends, whether it succeeded, failed or was cancelled; tests pass a recording pool to prove it.
    /// </summary>
    public ArrayPool<byte> BufferPool
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value), "BufferPool must not be null");
    } = ArrayPool<byte>.Shared;

    /// <summary>
    /// Only rows with <c>created_at</c> at or before this instant are exported (null: every row). The registry sets the
    /// export's first start, so every attempt of it sees the same rows.
    /// </summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>
    /// The chunks an earlier attempt committed: the run goes on after them instead of starting over (null: from the
    /// start). Its result lists them first, unchanged.
    /// </summary>
    public ExportResumePoint? Resume { get; init; }

    /// <summary>
    /// Told of each chunk once the sink committed it, before the next chunk is started; throwing fails the run. When set,
    /// the caller owns the clean-up: a failed run leaves its committed chunks in place (an uncommitted one is still
    /// discarded) so a later attempt can resume after them, and the caller removes them if the export is given up.
    /// </summary>
    public Func<ChunkInfo, CancellationToken, ValueTask>? ChunkCommitted { get; init; }

    /// <summary>
    /// Runs only one range task of a split export (null: the whole export). See <see cref="ExportRange"/>; the result
    /// lists the task's chunks, and no manifest is written.
    /// </summary>
    public ExportRange? Range { get; init; }

    /// <summary>A new request for <paramref name="parameters"/> with a fresh export id.</summary>
    public static ExportRequest For(ExportParameters parameters, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        return new ExportRequest
        {
            Export = new ExportObject { Id = ExportIds.NewId(), CreatedAt = time.GetUtcNow(), Parameters = parameters },
            Time = time,
        };
    }
}
