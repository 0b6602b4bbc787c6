using CsvHelper;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks.Peers;

/// <summary>
/// CsvHelper's record writer for a transaction, written by hand (no source generator): the same field calls as
/// <see cref="CsvHelperCase"/>. It keeps no state, so <c>ParallelWriteRecords</c> may share it between workers.
/// </summary>
internal sealed class TransactionCsvRecordWriter(string[] labels) : CsvRecordWriter<VoucherTransaction>
{
    public override int FieldCount => labels.Length;

    public override void WriteHeader(CsvWriter writer)
    {
        foreach (string label in labels)
        {
            WriteColumnName(writer, label);
        }
    }

    public override void Write(CsvWriter writer, VoucherTransaction record) => WriteFields(writer, record);

    /// <summary>The fields of one record, in SPEC order, without ending it.</summary>
    public static void WriteFields(CsvWriter writer, VoucherTransaction row)
    {
        writer.WriteField(row.Id);
        writer.WriteField(row.Type);
        writer.WriteField(row.SourceId);
        writer.WriteField(row.Reason);
        writer.WriteField(row.Balance, default);
        writer.WriteField(row.Amount, default);
        writer.WriteField(row.CreatedAt.UtcDateTime, BenchmarkData.DateFormat);
        writer.WriteField(row.VoucherId);
        writer.WriteField(row.CampaignId);

        // UTF-8 copied as is: CsvHelper 34 writes UTF-8 natively, so it gets the engine's own input.
        writer.WriteField(row.Details.Span);
        writer.WriteField(row.RelatedTransactionId);
        writer.WriteField(row.Source);
    }
}
