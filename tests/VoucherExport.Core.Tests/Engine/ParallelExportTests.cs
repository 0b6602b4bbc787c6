using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Engine;

public class ParallelExportTests
{
    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending, 2)]
    [InlineData(ExportOrder.CreatedAtDescending, 3)]
    public async Task AParallelExportPublishesTheSameChunksAsOneThread(ExportOrder order, int parallelism)
    {
        var rows = new DemoLedger(5000, 11).Transactions().ToArray();
        var filters = ExportParametersParser.Parse("""{"filters":{"amount":{"conditions":{"$more_than":[0]}}}}"""u8).Filters;
        var parameters = new ExportParameters(order, TransactionFields.All, filters);
        var limits = new ChunkLimits { MaxChunkBytes = 200_000 };

        var (single, singleSink) = await RunAsync(rows, parameters, limits, parallelism: 1);
        var (parallel, parallelSink) = await RunAsync(rows, parameters, limits, parallelism);

        Assert.True(single.Result.Chunks.Count > 1);
        Assert.Equal(single.Result.Chunks.Select(c => c.Info), parallel.Result.Chunks.Select(c => c.Info));
        Assert.Equal(
            singleSink.Committed.Where(c => c.Key != ExportEngine.ManifestName).Select(c => c.Value),
            parallelSink.Committed.Where(c => c.Key != ExportEngine.ManifestName).Select(c => c.Value));
    }

    private static async Task<(ExportResult Result, InMemoryChunkSink Sink)> RunAsync(
        VoucherTransaction[] rows, ExportParameters parameters, ChunkLimits limits, int parallelism)
    {
        var sinks = new InMemoryChunkSinkFactory();
        var request = ExportRequest.For(parameters) with { Chunks = limits, Parallelism = parallelism };

        // The source declares no order, so the descending run also goes through the sort before the parallel writer.
        var result = await ExportEngine.RunAsync(request, new InMemoryTransactionSource(rows, batchSize: 700), sinks);
        return (result, sinks.Find(request.Export.Id)!);
    }
}
