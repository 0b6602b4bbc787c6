using CsvHelper;

namespace VoucherExport.Benchmarks.Peers;

/// <summary>CsvHelper 34, one thread: <c>WriteField</c> per field, UTF-8 straight to the stream.</summary>
internal sealed class CsvHelperCase : ExportCase
{
    public override string Name => "CsvHelper WriteField, 1 thread";

    public override int Threads => 1;

    /// <summary>RFC 4180 defaults: quotes only for the separator, a quote, CR or LF; CRLF; null as an empty field.</summary>
    public static CsvWriterOptions Options { get; } = CsvWriterOptions.Default with { Quoting = CsvQuoting.WhenNeeded, NewLine = "\r\n" };

    public override void Write(BenchmarkData data, Stream destination)
    {
        using var csv = CsvWriter.Create(destination, Options, leaveOpen: true);
        csv.WriteHeader(data.Labels);
        foreach (var row in data.Rows)
        {
            TransactionCsvRecordWriter.WriteFields(csv, row);
            csv.EndRecord();
        }

        csv.Flush();
    }
}
