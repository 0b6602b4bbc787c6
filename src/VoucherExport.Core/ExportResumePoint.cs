using VoucherExport.Chunks;
using VoucherExport.Transactions;

namespace VoucherExport;

/// <summary>
/// Where an export goes on from: the chunks an earlier attempt committed, in order. The run keeps them as stored (it
/// neither writes nor deletes them), numbers its chunks after them, and reads only the rows after the last one's last
/// record, so the finished export is the same bytes as a run that was never interrupted.
/// </summary>
public sealed class ExportResumePoint
{
    /// <summary>A resume point after <paramref name="chunks"/> (committed, in order, each with its last record's key).</summary>
    /// <exception cref="ArgumentException">A chunk with rows lacks <see cref="ChunkInfo.LastId"/> or <see cref="ChunkInfo.LastCreatedAt"/>.</exception>
    public ExportResumePoint(IReadOnlyList<ChunkInfo> chunks)
        : this(chunks, rangeTask: null)
    {
    }

    /// <summary>
    /// A resume point in the chunk sequence of range task <paramref name="rangeTask"/> of a split export (0: the export's
    /// own sequence; null: the sequence the chunks' names say).
    /// </summary>
    internal ExportResumePoint(IReadOnlyList<ChunkInfo> chunks, int? rangeTask)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        RangeTask = rangeTask ?? 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            ChunkInfo chunk = chunks[i] ?? throw new ArgumentException($"chunk {i + 1} is null", nameof(chunks));
            if (!ChunkNames.IsNext(chunk.Name, i) || !ChunkNames.TryParse(chunk.Name, out int task, out _)
                || ((i > 0 || rangeTask is not null) && task != RangeTask))
            {
                throw new ArgumentException($"chunk {i + 1} is named '{chunk.Name}'; committed chunks must be numbered from 1 in order", nameof(chunks));
            }

            RangeTask = task;

            if (chunk.Rows > 0 && (chunk.LastId is null || chunk.LastCreatedAt is null))
            {
                throw new ArgumentException($"chunk '{chunk.Name}' has rows but no last record key to resume after", nameof(chunks));
            }

            Rows += chunk.Rows;
            Bytes += chunk.Bytes;
        }

        Chunks = [.. chunks];
        ChunkInfo? last = Chunks.Count == 0 ? null : Chunks[^1];
        if (last is { LastId: { } id, LastCreatedAt: { } at })
        {
            After = new TransactionKey(at, id);
            SourceOffset = last.SourceOffset;
        }
    }

    /// <summary>The range task whose chunks these are (0: an export that is not split), read from their names.</summary>
    internal int RangeTask { get; }

    /// <summary>The committed chunks, in order.</summary>
    public IReadOnlyList<ChunkInfo> Chunks { get; }

    /// <summary>The last committed record: the run reads only rows after it. Null when nothing with rows was committed.</summary>
    public TransactionKey? After { get; }

    /// <summary>
    /// Where the rows after <see cref="After"/> start in the ledger file, as the last committed chunk recorded it
    /// (<see cref="ChunkInfo.SourceOffset"/>); null when it did not.
    /// </summary>
    public long? SourceOffset { get; }

    /// <summary>Records in the committed chunks.</summary>
    public long Rows { get; }

    /// <summary>Stored bytes of the committed chunks.</summary>
    public long Bytes { get; }
}
