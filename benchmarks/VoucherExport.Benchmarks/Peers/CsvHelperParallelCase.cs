using CsvHelper;

namespace VoucherExport.Benchmarks.Peers;

/// <summary>CsvHelper 34 <c>ParallelWriteRecords</c>: batches formatted on every core, written in order.</summary>
internal sealed class CsvHelperParallelCase(int cores) : ExportCase
{
    private TransactionCsvRecordWriter? _records;

    public override string Name => $"CsvHelper ParallelWriteRecords, {cores} threads";

    public override int Threads => cores;

    public override void Write(BenchmarkData data, Stream destination)
    {
        _records ??= new TransactionCsvRecordWriter(data.Labels);
        using var csv = CsvWriter.Create(destination, CsvHelperCase.Options, leaveOpen: true);
        csv.ParallelWriteRecords(data.Rows, _records, cores);
        csv.Flush();
    }
}
