namespace VoucherExport.Transactions;

/// <summary>
/// A deterministic demo ledger: gift and loyalty cards with codes, every transaction type with realistic
/// <c>details</c>, and nasty text in <c>reason</c>. The same rows and seed always give the same data.
/// Transactions come oldest first (<c>created_at</c>, then <c>id</c>).
/// </summary>
public sealed class DemoLedger
{
    /// <summary>A ledger of <paramref name="rows"/> transactions generated from <paramref name="seed"/>.</summary>
    public DemoLedger(long rows, int seed = 1) => throw new NotImplementedException();

    /// <summary>The number of transactions.</summary>
    public long Rows => throw new NotImplementedException();

    /// <summary>The vouchers the transactions belong to.</summary>
    public IReadOnlyList<VoucherInfo> Vouchers => throw new NotImplementedException();

    /// <summary>Generates the transactions, oldest first, without holding them all.</summary>
    public IEnumerable<VoucherTransaction> Transactions() => throw new NotImplementedException();

    /// <summary>A source over the ledger, generated on the fly; it declares the ascending order.</summary>
    public ITransactionSource AsSource(int batchSize = 1024) => throw new NotImplementedException();
}
