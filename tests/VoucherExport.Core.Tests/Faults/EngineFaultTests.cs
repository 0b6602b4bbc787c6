using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Faults;

/// <summary>
/// Faults at every seam of one export, at injection points chosen by properties: the run fails with the fault's
/// exception, and nothing of it stays visible (no committed chunk, no manifest, no open chunk).
/// </summary>
public class EngineFaultTests
{
    private static readonly VoucherTransaction[] Ledger = Rows.Demo(400);

    private static ExportRequest Request(long maxChunkBytes) =>
        ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, TransactionFields.All, null))
            with { Chunks = new ChunkLimits { MaxChunkBytes = maxChunkBytes } };

    private static bool NothingVisible(InMemoryChunkSink? sink) => sink is null || (sink.Committed.Count == 0 && sink.OpenChunks == 0);

    [Property(MaxTest = 60)]
    public Property ADiskFullAtAnyByteLeavesNothing(PositiveInt afterBytes, PositiveInt chunkBytes)
    {
        var sinks = new FaultyChunkSinkFactory(new SinkFault { AfterBytes = afterBytes.Get % 200_000 });
        var request = Request(500 + (chunkBytes.Get % 50_000));
        var failed = Record.ExceptionAsync(() => ExportEngine.RunAsync(request, new InMemoryTransactionSource(Ledger, 37), sinks)).GetAwaiter().GetResult();
        // The export is ~190 KB, so most injection points fail it; a point past the end lets it finish whole.
        return failed is IOException ? NothingVisible(sinks.Find(request.Export.Id)).ToProperty()
            : (failed is null && sinks.Find(request.Export.Id)!.Committed.Any(kv => kv.Key == ExportEngine.ManifestName)).ToProperty();
    }

    [Property(MaxTest = 40)]
    public Property AFailedCommitOrManifestLeavesNothing(PositiveInt commit, bool onManifest)
    {
        var fault = onManifest ? new SinkFault { OnManifest = true } : new SinkFault { OnCommit = 1 + (commit.Get % 12) };
        var sinks = new FaultyChunkSinkFactory(fault);
        var request = Request(20_000);
        var failed = Record.ExceptionAsync(() => ExportEngine.RunAsync(request, new InMemoryTransactionSource(Ledger, 50), sinks)).GetAwaiter().GetResult();
        // A commit number past the last chunk injects nothing: then the export must finish whole.
        if (failed is IOException)
        {
            return NothingVisible(sinks.Find(request.Export.Id)).ToProperty();
        }

        var committed = sinks.Find(request.Export.Id)!.Committed;
        int chunks = committed.Count(kv => kv.Key != ExportEngine.ManifestName);
        return (failed is null && !onManifest && chunks < fault.OnCommit && committed[^1].Key == ExportEngine.ManifestName).ToProperty();
    }

    [Property(MaxTest = 40)]
    public Property ASourceFailingAfterAnyRowLeavesNothing(PositiveInt after, PositiveInt chunkBytes)
    {
        int n = after.Get % Ledger.Length;
        var sinks = new InMemoryChunkSinkFactory();
        var request = Request(300 + (chunkBytes.Get % 5_000));
        var source = new BlockingSource(Ledger, throwAfter: n);
        var failed = Record.ExceptionAsync(() => ExportEngine.RunAsync(request, source, sinks)).GetAwaiter().GetResult();
        return (failed is LedgerFormatException && NothingVisible(sinks.Find(request.Export.Id)) && source.DisposedReader).ToProperty();
    }

    [Property(MaxTest = 40)]
    public Property CancellationAtAnyRowLeavesNothing(PositiveInt after)
    {
        int n = after.Get % Ledger.Length;
        using var cancel = new CancellationTokenSource();
        var sinks = new InMemoryChunkSinkFactory();
        var request = Request(2_000);
        var source = new CancellingSource(Ledger, n, cancel);
        var failed = Record.ExceptionAsync(() => ExportEngine.RunAsync(request, source, sinks, null, cancel.Token)).GetAwaiter().GetResult();
        return (failed is OperationCanceledException && NothingVisible(sinks.Find(request.Export.Id))).ToProperty();
    }

    [Fact]
    public async Task AFullDiskEndsTheExportInErrorWithTheReason()
    {
        var sinks = new FaultyChunkSinkFactory(new SinkFault { AfterBytes = 10_000 });
        await using var registry = new ExportRegistry(new InMemoryExportStore(), new InMemoryTransactionSource(Ledger), sinks);
        var created = await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default);
        var final = await registry.WaitAsync("app", created.Id);
        Assert.Equal(ExportStatus.Error, final!.Status);
        Assert.Equal("export_io_failed", final.Error!.Key);
        Assert.Contains("No space left", final.Error.Details, StringComparison.Ordinal);
        Assert.True(NothingVisible(sinks.Find(created.Id)));
    }

    /// <summary>Cancels the export's token after yielding N rows, one a batch.</summary>
    private sealed class CancellingSource(VoucherTransaction[] rows, int cancelAfter, CancellationTokenSource cancel) : ITransactionSource
    {
        public SourcePushdown Plan(TransactionQuery query) => new(false, false);

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (int i = 0; i < rows.Length; i++)
            {
                if (i == cancelAfter)
                {
                    await cancel.CancelAsync();
                }

                cancellationToken.ThrowIfCancellationRequested();
                yield return rows.AsMemory(i, 1);
            }
        }
    }
}
