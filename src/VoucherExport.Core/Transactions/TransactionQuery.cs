using VoucherExport.Parameters;

namespace VoucherExport.Transactions;

/// <summary>What an export asks of its source: the filters, the order, and the clock reading that relative dates use.</summary>
/// <param name="Filters">The validated filters, or null for none.</param>
/// <param name="Order">The export order.</param>
/// <param name="Now">The single clock reading taken when the export starts.</param>
public sealed record TransactionQuery(FilterSet? Filters, ExportOrder Order, DateTimeOffset Now)
{
    /// <summary>
    /// The export's as-of point: only rows with <c>created_at</c> at or before it belong to the export (null: no bound).
    /// Fixed at the export's first start, so every attempt sees the same rows (docs/resume.md).
    /// </summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>
    /// A resumed run's place: only rows after this key in <see cref="Order"/> are wanted (null: from the start). A source
    /// that can seek (a keyset <c>WHERE</c>) says so with <see cref="SourcePushdown.RangeApplied"/>; otherwise the engine
    /// drops the rows before it.
    /// </summary>
    public TransactionKey? After { get; init; }

    /// <summary>
    /// Where the rows after <see cref="After"/> start in the source, as an earlier read of it recorded
    /// (<see cref="Chunks.ChunkInfo.SourceOffset"/>): the byte offset just past the line of the row <see cref="After"/>
    /// names (null: not known). A file source read in its declared order may seek there once it has checked that the
    /// line before the offset is that row; the engine still drops any row not after <see cref="After"/>.
    /// </summary>
    public long? AfterOffset { get; init; }

    /// <summary>
    /// A range task's first instant: only rows with <c>created_at</c> at or after it are wanted (null: no bound). Sources
    /// that seek say so with <see cref="SourcePushdown.RangeApplied"/>, as for <see cref="After"/>.
    /// </summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>A range task's end: only rows with <c>created_at</c> before it are wanted (null: no bound).</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Whether a row is inside <see cref="AsOf"/>, <see cref="CreatedFrom"/> and <see cref="CreatedBefore"/>, and after <see cref="After"/>.</summary>
    public bool InRange(VoucherTransaction row)
    {
        ArgumentNullException.ThrowIfNull(row);
        long at = row.CreatedAt.UtcTicks;
        return (AsOf is not { } asOf || at <= asOf.UtcTicks)
            && (CreatedFrom is not { } from || at >= from.UtcTicks)
            && (CreatedBefore is not { } before || at < before.UtcTicks)
            && (After is not { } after || after.IsBefore(row, Order));
    }

    /// <summary>Whether <see cref="AsOf"/>, <see cref="After"/>, <see cref="CreatedFrom"/> or <see cref="CreatedBefore"/> narrows the rows.</summary>
    public bool HasRange => AsOf is not null || After is not null || CreatedFrom is not null || CreatedBefore is not null;

    /// <summary>Where a source that skips malformed rows counts them; one per export run, read into the result at the end.</summary>
    public SkippedRowCounter SkippedRows { get; init; } = new();

    /// <summary>Where a source of known size tells how much of it one read has come through; one per export run.</summary>
    public SourceReadProgress ReadProgress { get; init; } = new();

    /// <summary>
    /// Threads the source may use to read and parse (the export's <see cref="ExportRequest.Parallelism"/>); default 1.
    /// A file source parses beside the export's writer with more; a source may ignore it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1 or above <see cref="Chunks.ChunkedCsvWriter.MaxParallelism"/>.</exception>
    public int Parallelism
    {
        get;
        init
        {
            Chunks.ChunkedCsvWriter.ThrowIfBadParallelism(value);
            field = value;
        }
    } = 1;
}
