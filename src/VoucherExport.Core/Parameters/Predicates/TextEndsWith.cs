using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary><c>$ends_with</c>, ordinal; null does not match.</summary>
internal sealed class TextEndsWith<TField> : TransactionPredicate
    where TField : struct, ITextFieldReader
{
    private readonly string _suffix;

    public TextEndsWith(string suffix) => _suffix = suffix;

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
        => TField.Read(transaction) is { } value && value.EndsWith(_suffix, StringComparison.Ordinal);
}
