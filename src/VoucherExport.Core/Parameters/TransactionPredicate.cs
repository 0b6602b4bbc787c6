using VoucherExport.Transactions;

namespace VoucherExport.Parameters;

/// <summary>A filter compiled once, before the first row: no dictionary look-ups, no boxing per row.</summary>
public abstract class TransactionPredicate
{
    /// <summary>Whether <paramref name="transaction"/> matches.</summary>
    public abstract bool Matches(VoucherTransaction transaction);
}
