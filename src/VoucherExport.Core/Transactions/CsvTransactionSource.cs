namespace VoucherExport.Transactions;

/// <summary>
/// A CSV ledger read with Sylvan.Data.Csv, e.g. an earlier export read back. The header may hold labels or field names;
/// <c>id</c>, <c>type</c> and <c>created_at</c> are required, the other columns optional.
/// </summary>
public sealed class CsvTransactionSource : ITransactionSource
{
    /// <summary>Reads the CSV file at <paramref name="path"/> (delimiter detected from , ; tab |).</summary>
    public CsvTransactionSource(string path, int batchSize = 1024) => throw new NotImplementedException();

    /// <inheritdoc />
    public SourcePushdown Plan(TransactionQuery query) => throw new NotImplementedException();

    /// <inheritdoc />
    public IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
