using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>Reads one text field of a transaction.</summary>
/// <remarks>
/// Implemented by empty structs and used as a generic argument, so the JIT specializes each predicate per field and
/// the read becomes a direct, inlined property access: no delegate, no switch per row.
/// </remarks>
internal interface ITextFieldReader
{
    /// <summary>The field's value, or null.</summary>
    static abstract string? Read(VoucherTransaction transaction);
}
