using System.Collections.Immutable;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Csv;
using VoucherExport.Tests.Faults;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Chunks;

public class ParallelChunkedCsvWriterTests
{
    private static readonly ImmutableArray<TransactionField> s_fields = [TransactionField.Id, TransactionField.Reason, TransactionField.CreatedAt];
    private static readonly CsvRecordWriter s_records = new(CsvFormat.Default, s_fields);

    private static VoucherTransaction Row(int n) =>
        TestRows.Make(id: "vtx_" + n, reason: "r" + n, createdAt: TestRows.Start.AddSeconds(n));

    private static VoucherTransaction[] Rows(int count) => [.. Enumerable.Range(1, count).Select(Row)];

    /// <summary>Tiny batches (a few records each) so every run goes through many hand-overs between the threads.</summary>
    private static ChunkedCsvWriter Parallel(IChunkSink sink, ChunkLimits limits, int parallelism = 3) =>
        new(sink, limits, s_records, flushThreshold: 64, initialBufferSize: 8, parallelism);

    [Fact]
    public async Task ARowThatCannotBeFormattedFailsTheExportAfterTheRowsBeforeIt()
    {
        var inner = new InMemoryChunkSink();
        var rows = Rows(400);
        rows[250] = null!;
        var writer = Parallel(inner, new ChunkLimits { MaxChunkRows = 100 });
        await Assert.ThrowsAsync<ArgumentNullException>(async () =>
        {
            await writer.WriteAsync(rows, default);
            await writer.CompleteAsync(default);
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(rows, default).AsTask());
        await writer.DisposeAsync();

        // The failure is raised in row order: only chunks wholly before the bad row can have been committed.
        Assert.Equal(0, inner.OpenChunks);
        Assert.InRange(inner.Committed.Count, 0, 2);
        Assert.All(inner.Committed, c => Assert.Equal(100, CsvReading.Read(c.Value, ',').Rows.Count));
    }

    [Fact]
    public async Task AFailedSinkWriteStopsTheExportAndLeavesNoOpenChunk()
    {
        var inner = new InMemoryChunkSink();
        var writer = Parallel(new ThrowingChunkSink(inner, failOnWrite: 5), new ChunkLimits { MaxChunkRows = 3 });
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await writer.WriteAsync(Rows(500), default);
            await writer.CompleteAsync(default);
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(default).AsTask());
        await writer.DisposeAsync();
        Assert.Equal(0, inner.OpenChunks);
        Assert.All(inner.Committed, c => Assert.Equal(3, CsvReading.Read(c.Value, ',').Rows.Count));
    }

    [Fact]
    public async Task DisposingWhileWorkersRunDiscardsTheOpenChunk()
    {
        var sink = new InMemoryChunkSink();
        var writer = Parallel(sink, new ChunkLimits { MaxChunkRows = 1000 }, parallelism: 4);
        await writer.WriteAsync(Rows(5000), default);
        await writer.DisposeAsync();
        await writer.DisposeAsync();
        Assert.Equal(0, sink.OpenChunks);
        Assert.All(sink.Committed, c => Assert.Equal(1000, CsvReading.Read(c.Value, ',').Rows.Count));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.WriteAsync(Rows(1), default).AsTask());
    }

    [Fact]
    public async Task AnExportWithoutRowsIsOneChunkHoldingOnlyTheHeader()
    {
        var sink = new InMemoryChunkSink();
        await using var writer = Parallel(sink, ChunkLimits.Default);
        await writer.WriteAsync(Array.Empty<VoucherTransaction>(), default);
        var chunk = Assert.Single(await writer.CompleteAsync(default));
        Assert.Equal(0, chunk.Rows);
        Assert.Equal(s_records.Preamble.ToArray(), Assert.Single(sink.Committed).Value);
        Assert.Equal(Support.ExportFiles.Sha256(s_records.Preamble.ToArray()), chunk.Sha256);
    }

    [Fact]
    public async Task CountersAddUpOnceComplete()
    {
        var sink = new CountingChunkSink();
        await using var writer = Parallel(sink, new ChunkLimits { MaxChunkRows = 7 });
        for (int i = 0; i < 10; i++)
        {
            await writer.WriteAsync(Rows(100), default);
        }

        var chunks = await writer.CompleteAsync(default);
        Assert.Equal((1000L, chunks.Sum(c => c.Bytes), chunks.Count), (writer.Rows, writer.Bytes, writer.Chunks));
        Assert.Equal(writer.Bytes, sink.BytesWritten);
        Assert.Equal(143, sink.Commits);
    }

    [Fact]
    public async Task BatchBuffersKeepTheirSizeWhenRecordsAreAlike()
    {
        // Batches aim below their buffer, so rows of one size never make a buffer grow (a grown buffer is kept for the
        // rest of the export, and the one it replaced stays in the pool).
        const int batchBytes = 16 * 1024;
        var pool = new RecordingBufferPool();
        VoucherTransaction[] rows = [.. Enumerable.Range(1, 20_000).Select(n =>
            TestRows.Make(id: $"vtx_{n:D8}", reason: "same length", createdAt: TestRows.Start.AddSeconds(n)))];
        var sink = new InMemoryChunkSink();
        await using (var writer = new ChunkedCsvWriter(sink, ChunkLimits.Default, s_records, batchBytes, batchBytes, parallelism: 2, pool))
        {
            for (int i = 0; i < rows.Length; i += 1000)
            {
                await writer.WriteAsync(rows.AsMemory(i, 1000), default);
            }

            await writer.CompleteAsync(default);
        }

        Assert.Equal(rows.Length, CsvReading.Read(sink.Committed.Single().Value, ',').Rows.Count);
        Assert.InRange(pool.LargestRent, 1, batchBytes);
        pool.AssertBalanced("a 2-thread export of alike rows");
    }

    [Fact]
    public async Task WrittenRowsAreNotKeptAliveByTheWriter()
    {
        // A sealed batch needs only its bytes: its slot must not hold its rows until it is reused a window later.
        var sink = new InMemoryChunkSink();
        await using var writer = Parallel(sink, ChunkLimits.Default, parallelism: 2);
        WeakReference[] written = await WriteAndForgetAsync(writer, 2_000);
        await writer.CompleteAsync(default);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(0, written.Count(w => w.IsAlive));
        Assert.Equal(2_000L, writer.Rows);
        GC.KeepAlive(writer);
    }

    /// <summary>Writes fresh rows and returns only weak references to them, so no local of the test keeps them alive.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<WeakReference[]> WriteAndForgetAsync(ChunkedCsvWriter writer, int count)
    {
        VoucherTransaction[] rows = Rows(count);
        await writer.WriteAsync(rows, default);
        return [.. rows.Select(r => new WeakReference(r))];
    }

    [Fact]
    public async Task CancellationIsHonoured()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await using var writer = Parallel(new InMemoryChunkSink(), ChunkLimits.Default);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteAsync(Rows(10), cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.CompleteAsync(cancelled.Token).AsTask());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ChunkedCsvWriter.MaxParallelism + 1)]
    public void BadParallelismIsRejected(int parallelism)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkedCsvWriter(new InMemoryChunkSink(), ChunkLimits.Default, s_records, parallelism));
        Assert.Equal("parallelism", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExportRequest.For(ExportParameters.Default) with { Parallelism = parallelism });
    }

    [Fact]
    public void TheDefaultIsAllCores()
    {
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, ChunkedCsvWriter.MaxParallelism), ExportRequest.For(ExportParameters.Default).Parallelism);
        Assert.Equal(ChunkedCsvWriter.AllCores, ExportRegistryOptions.Default.Parallelism);
    }
}
