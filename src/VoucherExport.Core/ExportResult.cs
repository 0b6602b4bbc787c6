using VoucherExport.Registry;

namespace VoucherExport;

/// <summary>The outcome of a finished export run: the final <c>DONE</c> export object, as written to its manifest.</summary>
/// <param name="Export">The final export object (status <c>DONE</c>, with its result).</param>
public sealed record ExportResult(ExportObject Export)
{
    /// <summary>The result part of <see cref="Export"/>.</summary>
    public ExportResultInfo Result => Export.Result!;
}
