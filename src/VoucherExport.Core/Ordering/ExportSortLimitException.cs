namespace VoucherExport.Ordering;

/// <summary>A sort needed more temporary disk than <see cref="SortOptions.MaxSpillBytes"/> allows.</summary>
public sealed class ExportSortLimitException : Exception
{
    /// <summary>Creates the exception for a limit of <paramref name="maxSpillBytes"/> reached in <paramref name="folder"/>.</summary>
    public ExportSortLimitException(long maxSpillBytes, string folder)
        : base($"sorting the export needs more than {maxSpillBytes:N0} bytes of temporary runs in {folder} " +
               "(SortOptions.MaxSpillBytes); narrow it with filters, use a source that delivers the order, or raise the limit")
    {
        MaxSpillBytes = maxSpillBytes;
        Folder = folder;
    }

    /// <summary>The limit that was reached.</summary>
    public long MaxSpillBytes { get; }

    /// <summary>The folder the runs were written to (removed by the time this is seen).</summary>
    public string Folder { get; }
}
