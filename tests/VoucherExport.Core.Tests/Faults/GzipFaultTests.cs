using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Faults;

/// <summary>The faults of <see cref="EngineFaultTests"/> with gzip chunks: a failure at any byte or commit leaves nothing visible.</summary>
public class GzipFaultTests
{
    private static readonly VoucherTransaction[] Ledger = Support.Rows.Demo(400);

    private static ExportRequest Request(long maxChunkBytes, int parallelism) =>
        ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, TransactionFields.All, null))
            with { Chunks = new ChunkLimits { MaxChunkBytes = maxChunkBytes, Compression = ChunkCompression.Gzip }, Parallelism = parallelism };

    [Property(MaxTest = 50)]
    public Property ADiskFullAtAnyCompressedByteLeavesNothing(PositiveInt afterBytes, PositiveInt chunkBytes, bool parallel)
    {
        var sinks = new FaultyChunkSinkFactory(new SinkFault { AfterBytes = afterBytes.Get % 40_000 });
        var request = Request(300 + (chunkBytes.Get % 10_000), parallel ? 3 : 1);
        var failed = Record.ExceptionAsync(() => ExportEngine.RunAsync(request, new InMemoryTransactionSource(Ledger, 37), sinks)).GetAwaiter().GetResult();
        var sink = sinks.Find(request.Export.Id);
        return failed is IOException
            ? (sink is null || (sink.Committed.Count == 0 && sink.OpenChunks == 0)).ToProperty()
            : (failed is null && sink!.Committed.Any(kv => kv.Key == ExportEngine.ManifestName)
                && sink.Committed.Where(kv => kv.Key != ExportEngine.ManifestName).All(kv => kv.Key.EndsWith(".csv.gz", StringComparison.Ordinal))).ToProperty();
    }

    [Property(MaxTest = 30)]
    public Property AFailedCommitLeavesNothing(PositiveInt commit, bool parallel)
    {
        var fault = new SinkFault { OnCommit = 1 + (commit.Get % 6) };
        var sinks = new FaultyChunkSinkFactory(fault);
        var request = Request(5_000, parallel ? 3 : 1);
        var failed = Record.ExceptionAsync(() => ExportEngine.RunAsync(request, new InMemoryTransactionSource(Ledger, 50), sinks)).GetAwaiter().GetResult();
        var sink = sinks.Find(request.Export.Id);
        return failed is IOException
            ? (sink is null || (sink.Committed.Count == 0 && sink.OpenChunks == 0)).ToProperty()
            : (failed is null && sink!.Committed.Count(kv => kv.Key != ExportEngine.ManifestName) < fault.OnCommit).ToProperty();
    }
}
