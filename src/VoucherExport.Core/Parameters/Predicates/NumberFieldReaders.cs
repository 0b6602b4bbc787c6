using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>The <see cref="INumberFieldReader"/> of each integer field.</summary>
internal static class NumberFieldReaders
{
    /// <summary><c>amount</c></summary>
    public readonly struct AmountField : INumberFieldReader
    {
        public static long? Read(VoucherTransaction transaction) => transaction.Amount;
    }

    /// <summary><c>balance</c></summary>
    public readonly struct BalanceField : INumberFieldReader
    {
        public static long? Read(VoucherTransaction transaction) => transaction.Balance;
    }
}
