using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Fuzz;

/// <summary>
/// The JSON Lines source: transactions, or a <see cref="LedgerFormatException"/> naming the line. The same input is read
/// again under <see cref="MalformedRowPolicy.Skip"/>, which must not fail and must keep every row the failing read had
/// returned, in order. A small line limit puts the skip-a-long-line path within the fuzzer's reach.
/// </summary>
public sealed class JsonLinesTarget : IFuzzTarget
{
    public string Name => "jsonlines";

    public void Run(ReadOnlySpan<byte> input)
    {
        byte[] bytes = input.ToArray();
        (List<string> strict, bool failed) = Read(bytes, MalformedRowPolicy.Fail);
        if (!failed)
        {
            return;
        }

        (List<string> lenient, bool lenientFailed) = Read(bytes, MalformedRowPolicy.Skip);
        if (lenientFailed || lenient.Count < strict.Count || !lenient.Take(strict.Count).SequenceEqual(strict))
        {
            throw new InvalidOperationException(
                $"skipping failed or lost rows the failing read returned: [{string.Join(",", strict)}] vs [{string.Join(",", lenient)}]");
        }
    }

    private static (List<string> Ids, bool Failed) Read(byte[] bytes, MalformedRowPolicy policy)
    {
        var source = new JsonLinesTransactionSource(
            _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes, writable: false)), "fuzz-input",
            new JsonLinesSourceOptions { BatchSize = 3, MaxLineBytes = 256, MalformedRows = policy });
        var query = new TransactionQuery(null, ExportOrder.CreatedAtAscending, DateTimeOffset.UnixEpoch);
        var ids = new List<string>();
        try
        {
            foreach (var batch in source.ReadAsync(query, CancellationToken.None).ToBlockingEnumerable())
            {
                foreach (var row in batch.Span)
                {
                    ArgumentException.ThrowIfNullOrEmpty(row.Id);
                    ids.Add(row.Id);
                }
            }
        }
        catch (LedgerFormatException e) when (e.Line >= 1)
        {
            return (ids, true);
        }

        return (ids, false);
    }
}
