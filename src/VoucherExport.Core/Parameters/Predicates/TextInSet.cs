using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary><c>$in</c> over several values; negated, <c>$not_in</c>, which matches null.</summary>
internal sealed class TextInSet<TField> : TransactionPredicate
    where TField : struct, ITextFieldReader
{
    private readonly HashSet<string> _values;
    private readonly bool _negate;

    public TextInSet(IEnumerable<string> values, bool negate)
    {
        _values = new HashSet<string>(values, StringComparer.Ordinal);
        _negate = negate;
    }

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
    {
        string? value = TField.Read(transaction);
        return (value is not null && _values.Contains(value)) != _negate;
    }
}
