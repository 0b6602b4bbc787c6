using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary><c>$is</c> (and a one-value <c>$in</c>); negated, <c>$is_not</c> / <c>$not_in</c>, which match null.</summary>
internal sealed class TextEquals<TField> : TransactionPredicate
    where TField : struct, ITextFieldReader
{
    private readonly string _value;
    private readonly bool _negate;

    public TextEquals(string value, bool negate)
    {
        _value = value;
        _negate = negate;
    }

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
    {
        string? value = TField.Read(transaction);
        return (value is not null && string.Equals(value, _value, StringComparison.Ordinal)) != _negate;
    }
}
