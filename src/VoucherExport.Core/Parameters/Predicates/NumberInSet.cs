using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary><c>$in</c> over several integers; negated, <c>$not_in</c>, which matches null.</summary>
internal sealed class NumberInSet<TField> : TransactionPredicate
    where TField : struct, INumberFieldReader
{
    private readonly HashSet<long> _values;
    private readonly bool _negate;

    public NumberInSet(IEnumerable<long> values, bool negate)
    {
        _values = [.. values];
        _negate = negate;
    }

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
        => (TField.Read(transaction) is long value && _values.Contains(value)) != _negate;
}
