namespace VoucherExport.Transactions;

/// <summary>
/// A source that can cut an export's rows into <c>created_at</c> ranges of about equal row counts, so that the registry
/// can run them as range tasks on several instances (docs/scale.md).
/// </summary>
public interface ITransactionRangeSplitter
{
    /// <summary>
    /// Up to <paramref name="ranges"/> − 1 ascending, distinct instants that cut the rows <paramref name="query"/> selects
    /// (its filters and its as-of point, not the whole table) into ranges of about equal counts: range k is
    /// [bound k−1, bound k), the first and the last open-ended. Fewer, or none, when the rows have too few distinct
    /// instants.
    /// </summary>
    ValueTask<IReadOnlyList<DateTimeOffset>> SplitAsync(TransactionQuery query, int ranges, CancellationToken cancellationToken);
}
