namespace VoucherExport.Transactions;

/// <summary>
/// How far one read of a source has come, for progress a person can read: a source of known size sets its
/// <see cref="Total"/> (a file's length in bytes, a demo ledger's rows) and adds to <see cref="Done"/> as it reads.
/// Written by the reading thread, read by any (the engine reports it).
/// </summary>
public sealed class SourceReadProgress
{
    private long _done;
    private long _total;
    private int _unit;

    /// <summary>The whole of the source in <see cref="Unit"/>, or 0 when the source does not know its size.</summary>
    public long Total => Volatile.Read(ref _total);

    /// <summary>How much of <see cref="Total"/> has been read.</summary>
    public long Done => Volatile.Read(ref _done);

    /// <summary>What <see cref="Total"/> and <see cref="Done"/> count.</summary>
    public ProgressUnit Unit => (ProgressUnit)Volatile.Read(ref _unit);

    /// <summary>Says the source holds <paramref name="total"/> of <paramref name="unit"/>, none of it read yet.</summary>
    public void Start(long total, ProgressUnit unit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        Volatile.Write(ref _unit, (int)unit);
        Volatile.Write(ref _done, 0);
        Volatile.Write(ref _total, total);
    }

    /// <summary>Counts <paramref name="amount"/> more read.</summary>
    public void Add(long amount) => Interlocked.Add(ref _done, amount);
}
