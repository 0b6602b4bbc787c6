using System.Text;
using Sylvan.Data.Csv;

namespace VoucherExport.Benchmarks.Peers;

/// <summary>Sylvan <c>CsvDataWriter</c> over a <see cref="System.Data.Common.DbDataReader"/> of the rows, UTF-8 through a <see cref="StreamWriter"/>.</summary>
internal sealed class SylvanCase : ExportCase
{
    private static readonly CsvDataWriterOptions s_options = new()
    {
        NewLine = "\r\n",
        DateTimeFormat = BenchmarkData.DateFormat,
        QuoteStrings = CsvStringQuoting.Default,
    };

    public override string Name => "Sylvan CsvDataWriter, 1 thread";

    public override int Threads => 1;

    public override void Write(BenchmarkData data, Stream destination)
    {
        using var text = new StreamWriter(destination, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        using (var csv = CsvDataWriter.Create(text, s_options))
        {
            csv.Write(new TransactionDataReader(data));
        }

        text.Flush();
    }
}
