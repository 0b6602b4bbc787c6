using VoucherExport.Parameters;

namespace VoucherExport.Transactions;

/// <summary>What an export asks of its source: the filters, the order, and the clock reading that relative dates use.</summary>
/// <param name="Filters">The validated filters, or null for none.</param>
/// <param name="Order">The export order.</param>
/// <param name="Now">The single clock reading taken when the export starts.</param>
public sealed record TransactionQuery(FilterSet? Filters, ExportOrder Order, DateTimeOffset Now)
{
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
