namespace VoucherExport.Ordering;

/// <summary>An export needed more rows sorted in memory than <see cref="SortOptions.MaxInMemoryRows"/> allows.</summary>
public sealed class ExportSortLimitException : Exception
{
    /// <summary>Creates the exception for a limit of <paramref name="maxRows"/>.</summary>
    public ExportSortLimitException(int maxRows)
        : base($"the export needs more than {maxRows:N0} rows sorted in memory (SortOptions.MaxInMemoryRows); " +
               "narrow it with filters, use a source that delivers the order, or raise the limit")
    {
        MaxRows = maxRows;
    }

    /// <summary>The limit that was reached.</summary>
    public int MaxRows { get; }
}
