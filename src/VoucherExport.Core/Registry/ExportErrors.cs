using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Registry;

/// <summary>Turns what made an export fail into the <c>error</c> of its <c>ERROR</c> export object.</summary>
public static class ExportErrors
{
    /// <summary>The error for <paramref name="exception"/>, naming what was wrong and where.</summary>
    public static VoucherifyError From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            ExportValidationException v => v.Error,
            LedgerFormatException l => new VoucherifyError(422, "invalid_ledger", "The ledger has a bad row", l.Message),
            DeclaredOrderViolationException o => new VoucherifyError(422, "invalid_ledger", "The ledger is not in its declared order", o.Message),
            Chunks.ChunkStoreLimitException c => new VoucherifyError(400, "invalid_chunk_limits", "The chunk limit does not fit the store", c.Message),
            ExportSortLimitException s => new VoucherifyError(413, "export_too_large", "Export too large to sort", s.Message),
            IOException io => new VoucherifyError(500, "export_io_failed", "Export storage failed", io.Message),
            _ => new VoucherifyError(500, "export_failed", "Export failed", $"{exception.GetType().Name}: {exception.Message}"),
        };
    }
}
