using System.Runtime.CompilerServices;
using VoucherExport.Chunks;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Chunks;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Ordering;

/// <summary>Temporary runs are removed however the export ends: done, failed while reading or writing, or cancelled.</summary>
public class SortCleanupTests
{
    private static SortOptions Spilling(TempFolder temp) => new() { MemoryBudgetBytes = 16 * 1024, TempFolder = temp.Path };

    [Fact]
    public async Task ADoneExportLeavesNoRuns()
    {
        using var temp = new TempFolder();
        var rows = Rows.Demo(2000);
        var watch = new RunWatch(temp.Path, cancelAfterRows: null);
        var request = SortKit.Request(ExportOrder.CreatedAtAscending, Spilling(temp));

        byte[] bytes = await SortKit.ExportAsync(request, new InMemoryTransactionSource(rows, 100), watch);

        Assert.Equal(SortKit.Reference(rows, ExportOrder.CreatedAtAscending), bytes);
        Assert.True(watch.MostRunsSeen > 10, $"runs seen while merging: {watch.MostRunsSeen}");
        Assert.Empty(SortKit.Entries(temp.Path));
    }

    [Fact]
    public async Task ASourceFailingAfterRunsWereWrittenLeavesNoRuns()
    {
        using var temp = new TempFolder();
        var source = new FailingSource(Rows.Demo(2000), failAfter: 1500, temp.Path);
        var request = SortKit.Request(ExportOrder.CreatedAtDescending, Spilling(temp));

        await Assert.ThrowsAsync<LedgerFormatException>(() => SortKit.ExportAsync(request, source));

        Assert.True(source.RunsWhenFailing > 10, $"runs on disk when the source failed: {source.RunsWhenFailing}");
        Assert.Empty(SortKit.Entries(temp.Path));
    }

    [Fact]
    public async Task ASinkFailingMidMergeLeavesNoRunsAndNoChunks()
    {
        using var temp = new TempFolder();
        var inner = new InMemoryChunkSinkFactory();
        var sinks = new ThrowingSinkFactory(inner, failOnWrite: 8);
        var request = SortKit.Request(ExportOrder.CreatedAtAscending, Spilling(temp)) with { Chunks = new ChunkLimits { MaxChunkBytes = 100_000 } };
        var watch = new RunWatch(temp.Path, cancelAfterRows: null);

        await Assert.ThrowsAsync<IOException>(() => ExportEngine.RunAsync(request, new InMemoryTransactionSource(Rows.Demo(3000), 100), sinks, watch));

        Assert.True(watch.MostRunsSeen > 10, $"runs seen while merging: {watch.MostRunsSeen}");
        Assert.Empty(SortKit.Entries(temp.Path));
        Assert.Empty(inner.Find(request.Export.Id)!.Committed);
    }

    [Fact]
    public async Task CancellingMidMergeLeavesNoRuns()
    {
        using var temp = new TempFolder();
        using var cancel = new CancellationTokenSource();
        var watch = new RunWatch(temp.Path, cancelAfterRows: 1024, cancel);

        // One thread, so that the progress after the first merged batch counts exactly its rows (a parallel writer's
        // count trails the batches still being formatted).
        var request = SortKit.Request(ExportOrder.CreatedAtDescending, Spilling(temp)) with { Parallelism = 1 };
        var sinks = new InMemoryChunkSinkFactory();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => ExportEngine.RunAsync(request, new InMemoryTransactionSource(Rows.Demo(3000), 100), sinks, watch, cancel.Token));

        // Cancelled after the first merged batch reached the writer, with every run still on disk.
        Assert.Equal(1024, watch.RowsWhenCancelled);
        Assert.True(watch.MostRunsSeen > 10, $"runs seen while merging: {watch.MostRunsSeen}");
        Assert.Empty(SortKit.Entries(temp.Path));
        Assert.Empty(sinks.Find(request.Export.Id)!.Committed);
    }

    /// <summary>
    /// Progress is reported on the engine's thread after each merged batch is written: counts the run files on disk
    /// then, and cancels once <c>cancelAfterRows</c> rows are out.
    /// </summary>
    private sealed class RunWatch(string folder, int? cancelAfterRows, CancellationTokenSource? cancel = null) : IProgress<ExportProgress>
    {
        public int MostRunsSeen { get; private set; }

        public long RowsWhenCancelled { get; private set; }

        public void Report(ExportProgress value)
        {
            MostRunsSeen = Math.Max(MostRunsSeen, SortKit.RunFiles(folder));
            if (cancelAfterRows is { } limit && value.Rows >= limit && !cancel!.IsCancellationRequested)
            {
                RowsWhenCancelled = value.Rows;
                cancel.Cancel();
            }
        }
    }

    /// <summary>Yields rows ten at a time and throws a ledger error after <c>failAfter</c>, noting how many runs were on disk.</summary>
    private sealed class FailingSource(VoucherTransaction[] rows, int failAfter, string folder) : ITransactionSource
    {
        public int RunsWhenFailing { get; private set; }

        public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            for (int i = 0; i < rows.Length; i += 10)
            {
                if (i >= failAfter)
                {
                    RunsWhenFailing = SortKit.RunFiles(folder);
                    throw new LedgerFormatException("failing-source", i + 1, "injected fault");
                }

                yield return rows.AsMemory(i, Math.Min(10, rows.Length - i));
            }
        }
    }

    private sealed class ThrowingSinkFactory(InMemoryChunkSinkFactory inner, int failOnWrite) : IChunkSinkFactory
    {
        public IChunkSink Create(string exportId) => new ThrowingChunkSink(inner.Create(exportId), failOnWrite);
    }
}
