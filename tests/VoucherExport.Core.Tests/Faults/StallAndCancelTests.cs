using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Faults;

/// <summary>
/// A source or sink that stalls (never answers) at a point the property chooses: cancelling ends the run promptly in a
/// final state, every buffer returned, no temporary file left, nothing visible. The 30 s guard only fails a hung run;
/// the run ends because it is cancelled, not because time passes.
/// </summary>
public class StallAndCancelTests
{
    private static readonly VoucherTransaction[] Shuffled = Rows.Demo(300, seed: 13);
    private static readonly VoucherTransaction[] Ordered = [.. Shuffled.Order(TransactionOrder.Ascending)];

    [Property(MaxTest = 60)]
    public Property CancellingWhileTheSourceOrSinkStallsEndsTheRun(PositiveInt point, bool inSink, bool sorted, byte parallelismSeed)
    {
        int parallelism = 1 + (parallelismSeed % 3);
        var pool = new RecordingBufferPool();
        using var temp = new TempFolder();
        using var cancel = new CancellationTokenSource();
        VoucherTransaction[] rows = sorted ? Shuffled : Ordered;
        var source = new FaultySource(rows) { Ordered = !sorted, StallAt = inSink ? null : point.Get % rows.Length };

        // The export is about 150 KB: a stall point below that is always reached.
        var sinks = new FaultyChunkSinkFactory(
            inSink ? new SinkFault { AfterBytes = point.Get % 140_000, Stall = true } : new SinkFault(),
            new FileSystemChunkSinkFactory(Directory.CreateDirectory(temp.File("sink")).FullName));
        string sortFolder = Directory.CreateDirectory(temp.File("sort")).FullName;
        var request = ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, TransactionFields.All, null)) with
        {
            Chunks = new ChunkLimits { MaxChunkBytes = 8_000 },
            Parallelism = parallelism,
            BufferPool = pool,
            Sort = new SortOptions { MemoryBudgetBytes = 16 * 1024, MaxMergeWidth = 3, TempFolder = sortFolder },
        };

        Task<ExportResult> run = ExportEngine.RunAsync(request, source, sinks, null, cancel.Token);
        Task stalled = inSink ? sinks.Stalled : source.Stalled;
        Task first = Task.WhenAny(run, stalled).WaitAsync(RegistryDriver.Guard).GetAwaiter().GetResult();
        Assert.True(first == stalled, "the run ended before the injected stall");
        Assert.False(run.IsCompleted, "the run completed while stalled");

        cancel.Cancel();
        Exception? ended = Record.Exception(() => run.WaitAsync(RegistryDriver.Guard).GetAwaiter().GetResult());

        Assert.IsAssignableFrom<OperationCanceledException>(ended);
        pool.AssertBalanced($"stall in {(inSink ? "sink" : "source")} at {point.Get}");
        Assert.Equal(0, source.OpenReaders);
        Assert.Empty(Directory.EnumerateFileSystemEntries(sortFolder));
        Assert.Empty(Directory.GetFiles(temp.File("sink"), "*", SearchOption.AllDirectories));
        return true.ToProperty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeletingAnExportWhoseSourceStallsEndsItAndRemovesIt(bool inSink)
    {
        var clock = RegistryDriver.NewClock();
        var source = new FaultySource(RegistryDriver.Ledger) { StallAt = inSink ? null : 100 };
        var sinks = new FaultyChunkSinkFactory(inSink ? new SinkFault { AfterBytes = 30_000, Stall = true } : new SinkFault());
        var store = new InMemoryExportStore();
        await using var registry = new ExportRegistry(store, source, sinks, new ExportRegistryOptions { MaxConcurrentExports = 1, Chunks = RegistryDriver.Limits }, time: clock);
        var created = await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default);
        await (inSink ? sinks.Stalled : source.Stalled).WaitAsync(RegistryDriver.Guard);

        Assert.True(await registry.DeleteAsync("app", created.Id).WaitAsync(RegistryDriver.Guard));
        await registry.WhenIdleAsync().WaitAsync(RegistryDriver.Guard);

        Assert.Null(await registry.GetAsync("app", created.Id));
        var sink = sinks.Find(created.Id);
        Assert.True(sink is null || (sink.Committed.Count == 0 && sink.OpenChunks == 0));
        Assert.Equal(0, source.OpenReaders);
    }

    [Fact]
    public async Task ShuttingDownWhileTheSourceStallsEndsTheExportInError()
    {
        var clock = RegistryDriver.NewClock();
        var source = new FaultySource(RegistryDriver.Ledger) { StallAt = 100 };
        var sinks = new FaultyChunkSinkFactory(new SinkFault());
        var store = new InMemoryExportStore();
        var registry = new ExportRegistry(store, source, sinks, new ExportRegistryOptions { MaxConcurrentExports = 1, Chunks = RegistryDriver.Limits }, time: clock);
        var created = await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default);
        await source.Stalled.WaitAsync(RegistryDriver.Guard);

        await registry.DisposeAsync().AsTask().WaitAsync(RegistryDriver.Guard);

        var final = (await store.GetAsync("app", created.Id, CancellationToken.None))!.Export;
        RegistryDriver.AssertCleanError(sinks.Find(created.Id), final);
        Assert.Equal("export_cancelled", final.Error!.Key);
        Assert.Equal(0, source.OpenReaders);
    }
}
