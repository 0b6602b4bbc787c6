using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary><c>$contains</c>; negated, <c>$not_contain</c>, which matches null.</summary>
internal sealed class TextContains<TField> : TransactionPredicate
    where TField : struct, ITextFieldReader
{
    private readonly string _part;
    private readonly bool _negate;

    public TextContains(string part, bool negate)
    {
        _part = part;
        _negate = negate;
    }

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
    {
        string? value = TField.Read(transaction);
        return (value is not null && value.Contains(_part, StringComparison.Ordinal)) != _negate;
    }
}
