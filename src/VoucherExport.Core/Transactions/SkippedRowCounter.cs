namespace VoucherExport.Transactions;

/// <summary>
/// The malformed rows one read of a ledger left out under <see cref="MalformedRowPolicy.Skip"/>: how many, and the first
/// (so a log can say where to look). One counter belongs to one export run; sources add to it from the reading thread.
/// </summary>
public sealed class SkippedRowCounter
{
    private long _count;
    private LedgerFormatException? _first;

    /// <summary>Rows skipped so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The first skipped row's error (file, line, what was wrong), or null when none was skipped.</summary>
    public LedgerFormatException? First => Volatile.Read(ref _first);

    /// <summary>Counts one skipped row, described by <paramref name="problem"/>.</summary>
    public void Add(LedgerFormatException problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        Interlocked.CompareExchange(ref _first, problem, null);
        Interlocked.Increment(ref _count);
    }
}
