using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Fuzz;

/// <summary>The JSON Lines source: transactions, or a <see cref="LedgerFormatException"/> naming the line.</summary>
public sealed class JsonLinesTarget : IFuzzTarget
{
    public string Name => "jsonlines";

    public void Run(ReadOnlySpan<byte> input)
    {
        byte[] bytes = input.ToArray();
        var source = new JsonLinesTransactionSource(
            _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes, writable: false)), "fuzz-input",
            new JsonLinesSourceOptions { BatchSize = 3 });
        var query = new TransactionQuery(null, ExportOrder.CreatedAtAscending, DateTimeOffset.UnixEpoch);
        try
        {
            foreach (var batch in source.ReadAsync(query, CancellationToken.None).ToBlockingEnumerable())
            {
                foreach (var row in batch.Span)
                {
                    ArgumentException.ThrowIfNullOrEmpty(row.Id);
                }
            }
        }
        catch (LedgerFormatException e) when (e.Line >= 1)
        {
        }
    }
}
