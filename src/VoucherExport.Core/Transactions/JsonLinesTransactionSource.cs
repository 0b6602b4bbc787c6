namespace VoucherExport.Transactions;

/// <summary>A JSON Lines ledger: one Voucherify transaction object a line, read with the UTF-8 JSON reader.</summary>
public sealed class JsonLinesTransactionSource : ITransactionSource
{
    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    public JsonLinesTransactionSource(string path, JsonLinesSourceOptions? options = null) => throw new NotImplementedException();

    /// <summary>Reads the stream <paramref name="open"/> gives for each read; <paramref name="name"/> names it in errors.</summary>
    public JsonLinesTransactionSource(Func<CancellationToken, ValueTask<Stream>> open, string name, JsonLinesSourceOptions? options = null)
        => throw new NotImplementedException();

    /// <inheritdoc />
    public SourcePushdown Plan(TransactionQuery query) => throw new NotImplementedException();

    /// <inheritdoc />
    public IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
