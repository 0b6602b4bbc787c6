using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary><c>$has_value</c> (the field is not null) or <c>$is_unknown</c> (it is).</summary>
internal sealed class NumberPresence<TField> : TransactionPredicate
    where TField : struct, INumberFieldReader
{
    private readonly bool _wantValue;

    public NumberPresence(bool wantValue) => _wantValue = wantValue;

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction) => TField.Read(transaction).HasValue == _wantValue;
}
