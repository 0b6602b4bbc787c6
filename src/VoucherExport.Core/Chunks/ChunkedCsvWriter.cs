using VoucherExport.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Chunks;

/// <summary>
/// Formats records and rotates chunks between whole records: every chunk starts with the preamble,
/// stays within <see cref="ChunkLimits"/> unless one record alone is too large, and is committed only when complete.
/// Computes each chunk's SHA-256 and created_at range.
/// </summary>
public sealed class ChunkedCsvWriter : IAsyncDisposable
{
    /// <summary>Writes through <paramref name="records"/> into chunks of <paramref name="sink"/>.</summary>
    public ChunkedCsvWriter(IChunkSink sink, ChunkLimits limits, CsvRecordWriter records)
        => throw new NotImplementedException();

    /// <summary>Records written so far.</summary>
    public long Rows => throw new NotImplementedException();

    /// <summary>Bytes written so far, preambles included.</summary>
    public long Bytes => throw new NotImplementedException();

    /// <summary>Chunks started so far.</summary>
    public int Chunks => throw new NotImplementedException();

    /// <summary>Appends a batch of rows, in order.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<VoucherTransaction> rows, CancellationToken cancellationToken)
        => throw new NotImplementedException();

    /// <summary>
    /// Commits the last chunk and returns every chunk in order. An export with no rows still gets one chunk
    /// holding only the preamble, so its download is a valid CSV.
    /// </summary>
    public ValueTask<IReadOnlyList<ChunkInfo>> CompleteAsync(CancellationToken cancellationToken)
        => throw new NotImplementedException();

    /// <summary>Discards an uncommitted chunk and returns pooled buffers.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
