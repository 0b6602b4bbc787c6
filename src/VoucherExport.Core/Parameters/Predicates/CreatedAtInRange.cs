using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>
/// Every <c>created_at</c> comparison, absolute or relative, as one inclusive range of UTC ticks; bounds may lie
/// outside the calendar (a range that starts after its end matches nothing).
/// </summary>
internal sealed class CreatedAtInRange : TransactionPredicate
{
    private readonly long _low;
    private readonly long _high;

    public CreatedAtInRange(long low, long high)
    {
        _low = low;
        _high = high;
    }

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
    {
        long ticks = transaction.CreatedAt.UtcTicks;
        return ticks >= _low && ticks <= _high;
    }
}
