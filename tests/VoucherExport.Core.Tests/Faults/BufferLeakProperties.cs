using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Faults;

/// <summary>
/// Every pooled byte buffer an export rents goes back, whatever ends it: success, a source or sink fault at a point the
/// property chooses, a full spill disk, or cancellation at any row; serial and parallel, streamed and sorted (with
/// spills and merge passes). The same runs prove that no temporary file survives and nothing of a failed run is visible.
/// </summary>
public class BufferLeakProperties
{
    private static readonly VoucherTransaction[] Shuffled = Rows.Demo(300, seed: 11);
    private static readonly VoucherTransaction[] Ordered = [.. Shuffled.Order(TransactionOrder.Ascending)];

    internal enum Fault
    {
        None,
        SourceThrows,
        SinkFullAfterBytes,
        CommitFails,
        ManifestFails,
        Cancelled,
        SpillDiskFull,
    }

    [Property(MaxTest = 150)]
    public Property EveryRentedBufferIsReturnedAndNothingIsLeftBehind(
        PositiveInt point, byte faultSeed, bool sorted, bool onDisk, byte parallelismSeed, PositiveInt chunkSeed)
    {
        var fault = (Fault)(faultSeed % 7);
        int parallelism = 1 + (parallelismSeed % 4);
        bool gzip = chunkSeed.Get % 3 == 0;
        var outcome = Run(fault, point.Get, sorted, onDisk, parallelism, 1_500 + (chunkSeed.Get % 40_000), gzip: gzip);
        return outcome.ToProperty().Label($"fault {fault} at {point.Get}, sorted {sorted}, disk {onDisk}, threads {parallelism}, gzip {gzip}");
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(4, false)]
    [InlineData(4, true)]
    [InlineData(1, false, true)]
    [InlineData(4, true, true)]
    public void ASuccessfulRunReturnsEveryBufferItRented(int parallelism, bool sorted, bool gzip = false)
    {
        var pool = new RecordingBufferPool();
        Assert.True(Run(Fault.None, 1, sorted, onDisk: true, parallelism, 4_000, pool, gzip));

        // The run did rent from the injected pool (staging, batches, sort runs): the check is not vacuous.
        Assert.True(pool.Rents >= (sorted ? 3 : 1), $"only {pool.Rents} rents");
    }

    [Fact]
    public async Task AJsonLinesSourceRentsItsLineBufferFromTheGivenPoolAndReturnsIt()
    {
        var pool = new RecordingBufferPool();
        using var temp = new TempFolder();
        string path = temp.File("ledger.jsonl");
        File.WriteAllText(path, "{\"id\":\"vtx_1\",\"type\":\"CREDITS_ADDITION\",\"created_at\":\"2024-01-01T00:00:00Z\"}\nnot json\n");
        var source = new JsonLinesTransactionSource(path, new JsonLinesSourceOptions { BufferPool = pool });
        var request = ExportRequest.For(ExportParameters.Default) with { BufferPool = pool };
        var failed = await Record.ExceptionAsync(() => ExportEngine.RunAsync(request, source, new InMemoryChunkSinkFactory()));
        Assert.IsType<LedgerFormatException>(failed);
        Assert.True(pool.Rents >= 2);
        pool.AssertBalanced("JSON Lines source failing on line 2");
    }

    internal static bool Run(
        Fault fault, int point, bool sorted, bool onDisk, int parallelism, long chunkBytes, RecordingBufferPool? pool = null, bool gzip = false)
    {
        pool ??= new RecordingBufferPool();
        using var temp = new TempFolder();
        string sortFolder = Directory.CreateDirectory(temp.File("sort")).FullName;
        string sinkFolder = Directory.CreateDirectory(temp.File("sink")).FullName;
        using var cancel = new CancellationTokenSource();
        VoucherTransaction[] rows = sorted ? Shuffled : Ordered;
        int row = point % rows.Length;
        var source = new FaultySource(rows)
        {
            Ordered = !sorted,
            ThrowAt = fault == Fault.SourceThrows ? row : null,
            CancelAt = fault == Fault.Cancelled ? row : null,
            Cancel = cancel,
        };
        IChunkSinkFactory storage = onDisk ? new FileSystemChunkSinkFactory(sinkFolder) : new InMemoryChunkSinkFactory();
        var sinks = new FaultyChunkSinkFactory(
            fault switch
            {
                // The export is about 150 KB; a point past its end injects nothing and the run must succeed.
                Fault.SinkFullAfterBytes => new SinkFault { AfterBytes = point % 160_000 },
                Fault.CommitFails => new SinkFault { OnCommit = 1 + (point % 8) },
                Fault.ManifestFails => new SinkFault { OnManifest = true },
                _ => new SinkFault(),
            },
            storage);
        var request = ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, TransactionFields.All, null)) with
        {
            Chunks = new ChunkLimits { MaxChunkBytes = chunkBytes, Compression = gzip ? ChunkCompression.Gzip : ChunkCompression.None },
            Parallelism = parallelism,
            BufferPool = pool,
            Sort = new SortOptions
            {
                // Runs of a few dozen rows, merged three at a time: spills and merge passes on every sorted run.
                MemoryBudgetBytes = 16 * 1024,
                MaxMergeWidth = 3,
                TempFolder = sortFolder,
                MaxSpillBytes = fault == Fault.SpillDiskFull ? point % 400_000 : null,
            },
        };

        Exception? failed = Record.ExceptionAsync(
            () => ExportEngine.RunAsync(request, source, sinks, null, cancel.Token)).GetAwaiter().GetResult();

        pool.AssertBalanced($"{fault} at {point} (sorted {sorted}, threads {parallelism})");
        Assert.Equal(0, source.OpenReaders);
        Assert.Empty(Directory.EnumerateFileSystemEntries(sortFolder));
        string[] files = Directory.GetFiles(sinkFolder, "*", SearchOption.AllDirectories);
        InMemoryChunkSink? memory = sinks.Find(request.Export.Id);
        if (failed is null)
        {
            Assert.DoesNotContain(files, f => f.EndsWith(".tmp", StringComparison.Ordinal));
            Assert.True(onDisk
                ? files.Any(f => Path.GetFileName(f) == ExportEngine.ManifestName)
                : memory!.Committed[^1].Key == ExportEngine.ManifestName);
            return fault is Fault.None or Fault.SinkFullAfterBytes or Fault.CommitFails or Fault.SpillDiskFull;
        }

        // Nothing of a failed run is visible: no chunk, no manifest, no temporary file.
        Assert.Empty(files);
        Assert.True(memory is null || (memory.Committed.Count == 0 && memory.OpenChunks == 0));
        return fault switch
        {
            Fault.None => false,
            Fault.SourceThrows => failed is LedgerFormatException,
            Fault.Cancelled => failed is OperationCanceledException,
            Fault.SpillDiskFull => failed is ExportSortLimitException && sorted,
            _ => failed is IOException,
        };
    }
}
