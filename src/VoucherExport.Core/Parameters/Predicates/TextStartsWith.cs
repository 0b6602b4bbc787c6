using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary><c>$starts_with</c>, ordinal; null does not match.</summary>
internal sealed class TextStartsWith<TField> : TransactionPredicate
    where TField : struct, ITextFieldReader
{
    private readonly string _prefix;

    public TextStartsWith(string prefix) => _prefix = prefix;

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
        => TField.Read(transaction) is { } value && value.StartsWith(_prefix, StringComparison.Ordinal);
}
