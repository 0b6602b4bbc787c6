using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Ordering;

namespace VoucherExport.Registry;

/// <summary>How the in-process export registry runs exports. Immutable; validated when the registry is built.</summary>
public sealed record ExportRegistryOptions
{
    /// <summary>
    /// Exports run at once; the rest wait <c>SCHEDULED</c>. Default: the core count, since one export keeps about one
    /// core busy and more would only share it.
    /// </summary>
    public int MaxConcurrentExports { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>The CSV dialect of exports that do not name one.</summary>
    public CsvFormat Csv { get; init; } = CsvFormat.Default;

    /// <summary>The chunk limits of exports that do not name them.</summary>
    public ChunkLimits Chunks { get; init; } = ChunkLimits.Default;

    /// <summary>How rows are sorted when the source does not deliver the order.</summary>
    public SortOptions Sort { get; init; } = SortOptions.Default;

    /// <summary>The defaults.</summary>
    public static ExportRegistryOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public ExportRegistryOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentExports, 1, nameof(MaxConcurrentExports));
        ArgumentNullException.ThrowIfNull(Csv);
        ArgumentNullException.ThrowIfNull(Chunks);
        ArgumentNullException.ThrowIfNull(Sort);
        Csv.Validate();
        Chunks.Validate();
        Sort.Validate();
        return this;
    }
}
