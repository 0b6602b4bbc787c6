namespace VoucherExport.Transactions;

/// <summary>
/// A ledger of voucher transactions. The engine tells the source the filters and order of an export;
/// the source says which of them it applies itself, and the engine applies the rest, so nothing is done twice.
/// </summary>
public interface ITransactionSource
{
    /// <summary>Says which parts of <paramref name="query"/> this source applies when read with it.</summary>
    SourcePushdown Plan(TransactionQuery query);

    /// <summary>
    /// Streams the transactions in batches. A batch is only valid until the next one is requested;
    /// the source may reuse its memory.
    /// </summary>
    IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken);
}
