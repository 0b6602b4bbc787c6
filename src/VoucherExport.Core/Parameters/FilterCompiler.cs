using VoucherExport.Transactions;

namespace VoucherExport.Parameters;

/// <summary>Turns validated filters into a <see cref="TransactionPredicate"/>.</summary>
public static class FilterCompiler
{
    /// <summary>
    /// Compiles <paramref name="filters"/> (null: match everything); relative date operators use <paramref name="now"/>.
    /// </summary>
    public static TransactionPredicate Compile(FilterSet? filters, DateTimeOffset now)
        => throw new NotImplementedException();

    /// <summary>
    /// Replaces voucher codes in <c>voucher_id</c> operands by the ids they resolve to in <paramref name="vouchers"/>;
    /// values that resolve to nothing are kept as they are.
    /// </summary>
    public static FilterSet? ResolveVoucherCodes(FilterSet? filters, IVoucherDirectory vouchers)
        => throw new NotImplementedException();
}
