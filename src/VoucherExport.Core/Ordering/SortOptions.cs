namespace VoucherExport.Ordering;

/// <summary>How an export sorts rows that its source does not deliver in order: sorted runs, spilled and merged.</summary>
public sealed record SortOptions
{
    /// <summary>
    /// 64 MiB: about 150,000 demo-like rows a run, so a million-row export spills seven runs and ten million about
    /// seventy, all merged in one pass, while the CLI stays near 155 MB, well under 200 MB.
    /// </summary>
    public const long DefaultMemoryBudgetBytes = 64L * 1024 * 1024;

    /// <summary>
    /// 256 runs merged at once: with the default budget each run is read through a 256 KiB buffer, large enough for
    /// sequential reads; more runs (past about 38 million demo rows) are first merged in passes of this many.
    /// </summary>
    public const int DefaultMaxMergeWidth = 256;

    /// <summary>
    /// The most bytes of rows held in memory while sorting, as stored in a run (strings, details and a fixed part per
    /// row), index included; the merge reads the runs through buffers carved from the same memory.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>The most runs merged at once; more runs are merged in passes.</summary>
    public int MaxMergeWidth { get; init; } = DefaultMaxMergeWidth;

    /// <summary>
    /// The folder under which each sort creates its own <c>voucher-export-sort-*</c> folder for its runs; null for
    /// <see cref="Path.GetTempPath"/>. Nothing is created when every row fits in one run.
    /// </summary>
    public string? TempFolder { get; init; }

    /// <summary>
    /// The most bytes of runs a sort may keep on disk at once (about 0.8× the JSON Lines size of the sorted rows,
    /// twice that for the part being merged in a pass), or null for no limit but the disk. Past it the export fails
    /// with <see cref="ExportSortLimitException"/>.
    /// </summary>
    public long? MaxSpillBytes { get; init; }

    /// <summary>The defaults.</summary>
    public static SortOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public SortOptions Validate()
    {
        // Below 4 KiB a run would hold a handful of rows and the merge would be all overhead.
        ArgumentOutOfRangeException.ThrowIfLessThan(MemoryBudgetBytes, 4096, nameof(MemoryBudgetBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMergeWidth, 2, nameof(MaxMergeWidth));
        if (TempFolder is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(TempFolder, nameof(TempFolder));
        }

        if (MaxSpillBytes is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 0, nameof(MaxSpillBytes));
        }

        return this;
    }
}
