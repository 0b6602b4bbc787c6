using VoucherExport.Benchmarks.Sinks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks.Peers;

/// <summary>
/// The whole engine, <see cref="ExportEngine.RunAsync"/>, over a pre-built in-memory source that declares its order, so
/// nothing is sorted and the source allocates nothing; default chunk limits (64 MiB, so chunks rotate).
/// </summary>
internal sealed class EngineCase(int parallelism, bool checksums) : ExportCase
{
    private static readonly ExportParameters s_parameters = new(ExportOrder.CreatedAtAscending, BenchmarkData.Fields, Filters: null);
    private static readonly int s_preambleLength = new CsvRecordWriter(BenchmarkData.Format, BenchmarkData.Fields).Preamble.Length;

    public override string Name => checksums
        ? $"Engine, {parallelism} thread{(parallelism == 1 ? "" : "s")} (SHA-256)"
        : "Engine, 1 thread (no SHA-256)";

    public override int Threads => parallelism;

    public override bool IsEngine => true;

    public bool Checksums => checksums;

    public override void Write(BenchmarkData data, Stream destination)
    {
        StreamChunkSink sink = checksums
            ? new StreamChunkSink(destination, s_preambleLength)
            : new UnhashedStreamChunkSink(destination, s_preambleLength);
        var request = new ExportRequest
        {
            Export = new ExportObject { Id = "exp_benchmark", CreatedAt = DateTimeOffset.UnixEpoch, Parameters = s_parameters },
            Csv = BenchmarkData.Format,
            Parallelism = parallelism,
        };
        var source = new InMemoryTransactionSource(data.Rows, declaredOrder: ExportOrder.CreatedAtAscending);
        ExportEngine.RunAsync(request, source, sink).GetAwaiter().GetResult();
    }
}
