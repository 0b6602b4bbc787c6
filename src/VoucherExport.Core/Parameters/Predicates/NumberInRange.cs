using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>
/// Every numeric comparison as one inclusive range: <c>$is</c> is [v, v], <c>$more_than</c> [v + 1, max], and so
/// on. Null is outside every range; negated (<c>$is_not</c>, a one-value <c>$not_in</c>) null matches.
/// </summary>
internal sealed class NumberInRange<TField> : TransactionPredicate
    where TField : struct, INumberFieldReader
{
    private readonly long _low;
    private readonly long _high;
    private readonly bool _negate;

    public NumberInRange(long low, long high, bool negate)
    {
        _low = low;
        _high = high;
        _negate = negate;
    }

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
        => (TField.Read(transaction) is long value && value >= _low && value <= _high) != _negate;
}
