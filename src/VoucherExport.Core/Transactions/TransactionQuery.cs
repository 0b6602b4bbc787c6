using VoucherExport.Parameters;

namespace VoucherExport.Transactions;

/// <summary>What an export asks of its source: the filters, the order, and the clock reading that relative dates use.</summary>
/// <param name="Filters">The validated filters, or null for none.</param>
/// <param name="Order">The export order.</param>
/// <param name="Now">The single clock reading taken when the export starts.</param>
public sealed record TransactionQuery(FilterSet? Filters, ExportOrder Order, DateTimeOffset Now);
