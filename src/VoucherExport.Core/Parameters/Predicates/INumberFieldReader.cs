using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>Reads one integer field of a transaction (see <see cref="ITextFieldReader"/> for why a struct).</summary>
internal interface INumberFieldReader
{
    /// <summary>The field's value, or null.</summary>
    static abstract long? Read(VoucherTransaction transaction);
}
