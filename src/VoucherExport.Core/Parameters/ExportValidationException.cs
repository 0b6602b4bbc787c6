namespace VoucherExport.Parameters;

/// <summary>A request was rejected before anything was scheduled; <see cref="Error"/> says why and where.</summary>
public sealed class ExportValidationException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public ExportValidationException(VoucherifyError error)
        : base($"{error.Key}: {error.Details ?? error.Message}")
    {
        Error = error;
    }

    /// <summary>The error in Voucherify's shape.</summary>
    public VoucherifyError Error { get; }
}
