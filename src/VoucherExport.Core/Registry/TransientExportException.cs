namespace VoucherExport.Registry;

/// <summary>
/// Thrown by a source or sink for a fault it knows to be passing (a lost connection, a throttled store): the registry
/// retries the export as <see cref="ExportRegistryOptions.Retry"/> says.
/// </summary>
public sealed class TransientExportException : Exception
{
    /// <summary>A transient fault with no message.</summary>
    public TransientExportException()
    {
    }

    /// <summary>A transient fault described by <paramref name="message"/>.</summary>
    public TransientExportException(string message)
        : base(message)
    {
    }

    /// <summary>A transient fault described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public TransientExportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
