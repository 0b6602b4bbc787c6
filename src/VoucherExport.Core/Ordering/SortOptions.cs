namespace VoucherExport.Ordering;

/// <summary>How an export sorts rows that its source does not deliver in order.</summary>
public sealed record SortOptions
{
    /// <summary>
    /// 2,000,000 rows: about 1.2 GB of managed memory for demo-like rows (about 600 bytes each held as objects),
    /// the most an export sorts in memory. A larger unsorted export fails with a clear error instead of exhausting the host.
    /// </summary>
    public const int DefaultMaxInMemoryRows = 2_000_000;

    /// <summary>The most rows sorted in memory.</summary>
    public int MaxInMemoryRows { get; init; } = DefaultMaxInMemoryRows;

    /// <summary>The defaults.</summary>
    public static SortOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a limit below 1.</summary>
    public SortOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInMemoryRows, 1, nameof(MaxInMemoryRows));
        return this;
    }
}
