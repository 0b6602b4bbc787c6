using System.Collections.Immutable;

namespace VoucherExport.Parameters;

/// <summary>The validated <c>parameters</c> of a voucher-transactions export (SPEC §2).</summary>
/// <param name="Order">The order (default <c>-created_at</c>).</param>
/// <param name="Fields">The columns, in order.</param>
/// <param name="Filters">The filters, or null for none.</param>
public sealed record ExportParameters(ExportOrder Order, ImmutableArray<TransactionField> Fields, FilterSet? Filters)
{
    /// <summary>The parameters of a request that names nothing.</summary>
    public static ExportParameters Default { get; } = new(ExportOrder.CreatedAtDescending, TransactionFields.Default, null);
}
