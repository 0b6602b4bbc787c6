using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary><c>$has_value</c> (the field is not null) or <c>$is_unknown</c> (it is); an empty string is a value.</summary>
internal sealed class TextPresence<TField> : TransactionPredicate
    where TField : struct, ITextFieldReader
{
    private readonly bool _wantValue;

    public TextPresence(bool wantValue) => _wantValue = wantValue;

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction) => (TField.Read(transaction) is not null) == _wantValue;
}
