using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Fuzz;

/// <summary>
/// The CSV source: transactions, or a <see cref="LedgerFormatException"/> naming a line. The same input is read again
/// under <see cref="MalformedRowPolicy.Skip"/>, which must keep every row the failing read had returned, in order.
/// </summary>
public sealed class CsvTarget : IFuzzTarget
{
    public string Name => "csv";

    public void Run(ReadOnlySpan<byte> input)
    {
        byte[] bytes = input.ToArray();
        (List<string> strict, bool failed) = Read(bytes, MalformedRowPolicy.Fail);
        if (!failed)
        {
            return;
        }

        (List<string> lenient, _) = Read(bytes, MalformedRowPolicy.Skip);
        if (lenient.Count < strict.Count || !lenient.Take(strict.Count).SequenceEqual(strict))
        {
            throw new InvalidOperationException(
                $"skipping lost rows the failing read returned: [{string.Join(",", strict)}] vs [{string.Join(",", lenient)}]");
        }
    }

    private static (List<string> Ids, bool Failed) Read(byte[] bytes, MalformedRowPolicy policy)
    {
        var source = new CsvTransactionSource(
            _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes, writable: false)), "fuzz-input",
            new CsvSourceOptions { BatchSize = 3, MaxRecordChars = 4096, MalformedRows = policy });
        var query = new TransactionQuery(null, ExportOrder.CreatedAtAscending, DateTimeOffset.UnixEpoch);
        var ids = new List<string>();
        try
        {
            foreach (var batch in source.ReadAsync(query, CancellationToken.None).ToBlockingEnumerable())
            {
                foreach (var row in batch.Span)
                {
                    ArgumentException.ThrowIfNullOrEmpty(row.Id);
                    ArgumentException.ThrowIfNullOrEmpty(row.Type);
                    ids.Add(row.Id);
                }
            }
        }
        catch (LedgerFormatException e) when (e.Line >= 1)
        {
            return (ids, true);
        }

        if (policy == MalformedRowPolicy.Fail && query.SkippedRows.Count != 0)
        {
            throw new InvalidOperationException("rows were skipped under the Fail policy");
        }

        return (ids, false);
    }
}
