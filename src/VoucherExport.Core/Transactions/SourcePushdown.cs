namespace VoucherExport.Transactions;

/// <summary>What a source applies itself for a query.</summary>
/// <param name="FiltersApplied">Every filter of the query is applied: each yielded row matches.</param>
/// <param name="OrderApplied">Rows are yielded in the query's order, <c>id</c> tie-break included.</param>
public readonly record struct SourcePushdown(bool FiltersApplied, bool OrderApplied)
{
    /// <summary>
    /// The query's <see cref="TransactionQuery.AsOf"/> and <see cref="TransactionQuery.After"/> are applied: no yielded
    /// row is outside them. Without it the engine drops those rows itself.
    /// </summary>
    public bool RangeApplied { get; init; }

    /// <summary>The source applies nothing: the engine filters and sorts.</summary>
    public static SourcePushdown None => default;
}
