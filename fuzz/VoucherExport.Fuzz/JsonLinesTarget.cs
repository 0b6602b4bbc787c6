using System.Buffers;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Fuzz;

/// <summary>
/// The JSON Lines source: transactions, or a <see cref="LedgerFormatException"/> naming the line. The same input is read
/// again under <see cref="MalformedRowPolicy.Skip"/>, which must not fail and must keep every row the failing read had
/// returned, in order. A small line limit puts the skip-a-long-line path within the fuzzer's reach. Every line the
/// compact scan reads must give the full parser's row, and no line the full parser refuses may be read by the scan; and
/// the CSV record a parallel writer formats straight from the scanned line must be the bytes of the row's record.
/// </summary>
public sealed class JsonLinesTarget : IFuzzTarget
{
    // Every column, with the formula guard: every text goes through the code that writes it from the line.
    private static readonly CsvRecordWriter s_records = new(CsvFormat.Default with { FormulaGuard = true }, TransactionFields.All);

    public string Name => "jsonlines";

    public void Run(ReadOnlySpan<byte> input)
    {
        byte[] bytes = input.ToArray();
        CompareScanWithFullParser(bytes);
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

    private static void CompareScanWithFullParser(byte[] bytes)
    {
        foreach (Range range in bytes.AsSpan().Split((byte)'\n'))
        {
            ReadOnlySpan<byte> line = bytes.AsSpan(range);
            VoucherTransaction? scanned = System.Text.Unicode.Utf8.IsValid(line) ? TransactionJson.TryParseCompact(line, null) : null;
            if (scanned is null)
            {
                continue;
            }

            // A FormatException here is a finding too: the scan read a line the full parser refuses.
            VoucherTransaction full = TransactionJson.ParseFull(line, null);
            if (full.Id != scanned.Id || full.SourceId != scanned.SourceId || full.VoucherId != scanned.VoucherId
                || full.CampaignId != scanned.CampaignId || full.Source != scanned.Source || full.Reason != scanned.Reason
                || full.Type != scanned.Type || !full.Details.Span.SequenceEqual(scanned.Details.Span)
                || full.RelatedTransactionId != scanned.RelatedTransactionId || full.CreatedAt != scanned.CreatedAt
                || full.CreatedAt.Offset != scanned.CreatedAt.Offset || full.Amount != scanned.Amount || full.Balance != scanned.Balance)
            {
                throw new InvalidOperationException($"the compact scan and the full parser read a line differently: {Convert.ToHexString(line)}");
            }

            byte[]? scratch = null;
            var fromLine = new ArrayBufferWriter<byte>();
            var fromRow = new ArrayBufferWriter<byte>();
            if (!TransactionJson.TryScan(line, out ScannedRow row))
            {
                throw new InvalidOperationException($"the scan read a line as a row but not as fields: {Convert.ToHexString(line)}");
            }

            s_records.WriteRecord(fromLine, line, in row, ref scratch);
            s_records.WriteRecord(fromRow, full);
            if (!fromLine.WrittenSpan.SequenceEqual(fromRow.WrittenSpan))
            {
                throw new InvalidOperationException($"the record written from the line is not the row's: {Convert.ToHexString(line)}");
            }
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
