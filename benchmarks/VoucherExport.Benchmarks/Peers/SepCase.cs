using System.Text;
using nietras.SeparatedValues;

namespace VoucherExport.Benchmarks.Peers;

/// <summary>Sep 0.17 with <c>Escape = true</c> (RFC 4180 quoting), UTF-8 through a <see cref="StreamWriter"/> with CRLF.</summary>
internal sealed class SepCase : ExportCase
{
    public override string Name => "Sep (Escape), 1 thread";

    public override int Threads => 1;

    public override void Write(BenchmarkData data, Stream destination)
    {
        using var text = new StreamWriter(destination, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        string[] labels = data.Labels;
        using (var writer = Sep.New(',').Writer(o => o with { Escape = true }).To(text, leaveOpen: true))
        {
            var rows = data.Rows;
            for (int i = 0; i < rows.Length; i++)
            {
                var row = rows[i];
                using var record = writer.NewRow();
                record[labels[0]].Set(row.Id);
                record[labels[1]].Set(row.Type);
                record[labels[2]].Set(row.SourceId);
                record[labels[3]].Set(row.Reason);
                SetNumber(record[labels[4]], row.Balance);
                SetNumber(record[labels[5]], row.Amount);
                record[labels[6]].Format(row.CreatedAt.UtcDateTime, BenchmarkData.DateFormat);
                record[labels[7]].Set(row.VoucherId);
                record[labels[8]].Set(row.CampaignId);
                record[labels[9]].Set(data.DetailsText[i]);
                record[labels[10]].Set(row.RelatedTransactionId);
                record[labels[11]].Set(row.Source);
            }
        }

        text.Flush();
    }

    private static void SetNumber(SepWriter.Col col, long? value)
    {
        if (value is long number)
        {
            col.Format(number);
        }
        else
        {
            col.Set(ReadOnlySpan<char>.Empty);
        }
    }
}
