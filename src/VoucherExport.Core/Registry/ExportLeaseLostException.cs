namespace VoucherExport.Registry;

/// <summary>A run stopped because its lease on the export was taken over (or the export deleted) meanwhile.</summary>
public sealed class ExportLeaseLostException : Exception
{
    /// <summary>The lease was lost.</summary>
    public ExportLeaseLostException()
        : base("the worker lost its lease on the export; another worker runs it now, or it was deleted")
    {
    }

    /// <summary>The lease was lost, as <paramref name="message"/> says.</summary>
    public ExportLeaseLostException(string message)
        : base(message)
    {
    }

    /// <summary>The lease was lost, found through <paramref name="innerException"/>.</summary>
    public ExportLeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
