using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Engine;

public class ExportEngineTests
{
    private static ExportRequest Request(ExportParameters parameters, ChunkLimits? limits = null) =>
        ExportRequest.For(parameters) with { Chunks = limits ?? ChunkLimits.Default };

    private static ExportParameters AllFields(ExportOrder order, FilterSet? filters = null) =>
        new(order, TransactionFields.All, filters);

    /// <summary>The unchunked bytes of an export, computed with the writer alone and LINQ ordering as the reference.</summary>
    private static byte[] Reference(IEnumerable<VoucherTransaction> rows, ExportParameters parameters, CsvFormat? format = null)
    {
        var writer = new CsvRecordWriter(format ?? CsvFormat.Default, parameters.Fields);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        output.Write(writer.Preamble.Span);
        var ordered = parameters.Order == ExportOrder.CreatedAtAscending
            ? rows.OrderBy(r => r.CreatedAt.UtcTicks).ThenBy(r => r.Id, StringComparer.Ordinal)
            : rows.OrderByDescending(r => r.CreatedAt.UtcTicks).ThenByDescending(r => r.Id, StringComparer.Ordinal);
        foreach (var row in ordered)
        {
            writer.WriteRecord(output, row);
        }

        return output.WrittenSpan.ToArray();
    }

    private static (ExportResult Result, InMemoryChunkSink Sink) Run(
        ITransactionSource source, ExportRequest request, IProgress<ExportProgress>? progress = null)
    {
        var sinks = new InMemoryChunkSinkFactory();
        var result = ExportEngine.RunAsync(request, source, sinks, progress).GetAwaiter().GetResult();
        return (result, sinks.Find(request.Export.Id)!);
    }

    private static byte[] Unchunked(InMemoryChunkSink sink, ExportRequest request)
    {
        var preamble = new CsvRecordWriter(request.Csv, request.Export.Parameters.Fields).Preamble.Length;
        var chunks = sink.Committed.Where(kv => kv.Key != ExportEngine.ManifestName).Select(kv => kv.Value).ToList();
        return ExportFiles.Concatenate(chunks, preamble);
    }

    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending)]
    [InlineData(ExportOrder.CreatedAtDescending)]
    public void UnorderedSourceIsSortedWithIdTieBreak(ExportOrder order)
    {
        // Equal timestamps everywhere: only the id tie-break decides the order.
        var rows = Enumerable.Range(1, 50).Select(i => Rows.Make(i, secondsFromStart: i % 3)).ToArray();
        new Random(3).Shuffle(rows);
        var request = Request(AllFields(order));
        var (result, sink) = Run(new InMemoryTransactionSource(rows, batchSize: 7), request);

        Assert.Equal(ExportStatus.Done, result.Export.Status);
        Assert.Equal(50, result.Result.Rows);
        Assert.Equal(Reference(rows, request.Export.Parameters), Unchunked(sink, request));
    }

    [Fact]
    public void ManifestListsEveryChunkWithChecksumsAndRanges()
    {
        var rows = Rows.Many(200);
        var request = Request(AllFields(ExportOrder.CreatedAtAscending), new ChunkLimits { MaxChunkBytes = 4096 });
        var (result, sink) = Run(new InMemoryTransactionSource(rows), request);

        var committed = sink.Committed.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.True(result.Result.Chunks.Count > 1);
        Assert.Equal(200, result.Result.Chunks.Sum(c => c.Info.Rows));
        foreach (var chunk in result.Result.Chunks)
        {
            Assert.Equal(ExportFiles.Sha256(committed[chunk.Info.Name]), chunk.Info.Sha256);
            Assert.True(chunk.Info.Bytes <= 4096);
            Assert.True(chunk.Info.FirstCreatedAt <= chunk.Info.LastCreatedAt);
        }

        Assert.Equal(rows[0].CreatedAt, result.Result.Chunks[0].Info.FirstCreatedAt);
        Assert.Equal(rows[^1].CreatedAt, result.Result.Chunks[^1].Info.LastCreatedAt);
        using var manifest = System.Text.Json.JsonDocument.Parse(committed[ExportEngine.ManifestName]);
        Assert.Equal("DONE", manifest.RootElement.GetProperty("status").GetString());
        Assert.Equal(result.Result.Chunks.Count, manifest.RootElement.GetProperty("result").GetProperty("chunks").GetArrayLength());
    }

    [Fact]
    public void FiltersAreAppliedByTheEngineWhenTheSourceDoesNot()
    {
        var rows = Rows.Many(100);
        var filters = ExportParametersParser.Parse(
            """{"filters":{"amount":{"conditions":{"$more_than":[0]}}}}"""u8).Filters;
        var request = Request(AllFields(ExportOrder.CreatedAtAscending, filters));
        var (result, sink) = Run(new InMemoryTransactionSource(rows), request);

        Assert.Equal(50, result.Result.Rows);
        Assert.Equal(Reference(rows.Where(r => r.Amount > 0), request.Export.Parameters), Unchunked(sink, request));
    }

    [Fact]
    public void WhatTheSourceAppliesIsNotAppliedAgain()
    {
        // The source claims it filtered and ordered; the engine must trust it and do neither. (The order is still
        // verified while streaming: Ordering/DeclaredOrderTests.) A sort would spill under this budget into a folder
        // that cannot be created, so reaching DONE proves nothing was sorted.
        var rows = Rows.Many(10).Reverse().ToArray();
        var filters = ExportParametersParser.Parse("""{"filters":{"amount":{"conditions":{"$more_than":[0]}}}}"""u8).Filters;
        var request = Request(AllFields(ExportOrder.CreatedAtDescending, filters)) with
        {
            Sort = new SortOptions { MemoryBudgetBytes = 4096, TempFolder = typeof(ExportEngineTests).Assembly.Location },
        };
        var source = new PushdownClaimingSource(rows);
        var (result, sink) = Run(source, request);

        Assert.Equal(10, result.Result.Rows);
        var text = Encoding.UTF8.GetString(Unchunked(sink, request));
        Assert.True(text.IndexOf("vtx_00000010", StringComparison.Ordinal) < text.IndexOf("vtx_00000001", StringComparison.Ordinal));
    }

    [Fact]
    public void VoucherCodesInFiltersResolveToIds()
    {
        var rows = new[] { Rows.Make(1, voucherId: "v_A"), Rows.Make(2, voucherId: "v_B") };
        var filters = ExportParametersParser.Parse("""{"filters":{"voucher_id":{"conditions":{"$in":["CODE-A"]}}}}"""u8).Filters;
        var request = Request(AllFields(ExportOrder.CreatedAtAscending, filters)) with
        {
            Vouchers = new InMemoryVoucherDirectory([new VoucherInfo("v_A", "CODE-A", "camp_1", "GIFT_VOUCHER")]),
        };
        var (result, _) = Run(new InMemoryTransactionSource(rows), request);
        Assert.Equal(1, result.Result.Rows);
    }

    [Fact]
    public void ZeroRowsGiveOneHeaderOnlyChunk()
    {
        var request = Request(AllFields(ExportOrder.CreatedAtDescending));
        var (result, sink) = Run(new InMemoryTransactionSource([]), request);
        Assert.Single(result.Result.Chunks);
        Assert.Equal(0, result.Result.Rows);
        Assert.Equal(new CsvRecordWriter(CsvFormat.Default, TransactionFields.All).Preamble.ToArray(), sink.Committed[0].Value);
    }

    [Fact]
    public async Task AFailingSourceLeavesNothingVisible()
    {
        var sinks = new InMemoryChunkSinkFactory();
        var request = Request(AllFields(ExportOrder.CreatedAtAscending), new ChunkLimits { MaxChunkBytes = 300 });
        var source = new BlockingSource(Rows.Many(40), throwAfter: 30);
        await Assert.ThrowsAsync<LedgerFormatException>(() => ExportEngine.RunAsync(request, source, sinks));
        var sink = sinks.Find(request.Export.Id)!;
        Assert.Empty(sink.Committed);
        Assert.Equal(0, sink.OpenChunks);
        Assert.True(source.DisposedReader);
    }

    [Fact]
    public async Task CancellationLeavesNothingVisible()
    {
        var sinks = new InMemoryChunkSinkFactory();
        var request = Request(AllFields(ExportOrder.CreatedAtAscending)) with { };
        var source = new BlockingSource(Rows.Many(40)) { Block = true };
        using var cancel = new CancellationTokenSource();
        var run = ExportEngine.RunAsync(request, source, sinks, null, cancel.Token);
        await source.FirstBatchOut;
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Empty(sinks.Find(request.Export.Id)!.Committed);
        Assert.True(source.DisposedReader);
    }

    [Fact]
    public void ProgressReachesTheFinalCounts()
    {
        var progress = new LastProgress();
        var request = Request(AllFields(ExportOrder.CreatedAtAscending));
        var (result, _) = Run(new InMemoryTransactionSource(Rows.Many(3000), batchSize: 100), request, progress);
        Assert.Equal(
            new ExportProgress(result.Result.Rows, result.Result.Bytes, result.Result.Chunks.Count)
            {
                Phase = ExportPhase.Writing,
                PhaseDone = result.Result.Rows,
                PhaseTotal = result.Result.Rows,
                PhaseUnit = ProgressUnit.Rows,
            },
            progress.Last);
    }

    [Fact]
    public void ASortedRunReportsItsPhasesAndTheTotalOnceKnown()
    {
        var progress = new AllProgress();
        var request = Request(AllFields(ExportOrder.CreatedAtAscending));

        // The rows come newest first, so the engine sorts them: reading, then writing with the total known.
        var (result, _) = Run(new InMemoryTransactionSource(Rows.Many(500).Reverse().ToArray(), batchSize: 50), request, progress);

        Assert.Equal(ExportPhase.Reading, progress.Reports[0].Phase);
        var writing = progress.Reports.Where(p => p.Phase == ExportPhase.Writing).ToList();
        Assert.NotEmpty(writing);
        Assert.All(writing, p => Assert.Equal((500L, ProgressUnit.Rows), (p.PhaseTotal, p.PhaseUnit)));
        Assert.Equal(result.Result.Rows, writing[^1].Rows);
    }

    /// <summary>Property (d): the export is byte-identical whatever the source's batch sizes and input order.</summary>
    [Property(MaxTest = 40)]
    public Property SameBytesWhateverTheBatchSizes(PositiveInt batchA, PositiveInt batchB, bool ascending, PositiveInt maxBytes)
    {
        var rows = Rows.Demo(300);
        var order = ascending ? ExportOrder.CreatedAtAscending : ExportOrder.CreatedAtDescending;
        var limits = new ChunkLimits { MaxChunkBytes = 200 + (maxBytes.Get % 20_000) };
        var parameters = AllFields(order);
        var a = Request(parameters, limits);
        var b = Request(parameters, limits);
        var (ra, sa) = Run(new InMemoryTransactionSource(rows, 1 + (batchA.Get % 500)), a);
        var (rb, sb) = Run(new InMemoryTransactionSource(rows.Reverse().ToArray(), 1 + (batchB.Get % 500)), b);

        bool sameChunks = sa.Committed.Where(kv => kv.Key != ExportEngine.ManifestName).Select(kv => Convert.ToHexString(kv.Value))
            .SequenceEqual(sb.Committed.Where(kv => kv.Key != ExportEngine.ManifestName).Select(kv => Convert.ToHexString(kv.Value)));
        bool sameAsReference = Unchunked(sa, a).AsSpan().SequenceEqual(Reference(rows, parameters));
        return (sameChunks && sameAsReference && ra.Result.Rows == rb.Result.Rows).ToProperty();
    }

    private sealed class AllProgress : IProgress<ExportProgress>
    {
        public List<ExportProgress> Reports { get; } = [];

        public void Report(ExportProgress value) => Reports.Add(value);
    }

    private sealed class LastProgress : IProgress<ExportProgress>
    {
        public ExportProgress Last { get; private set; }

        public void Report(ExportProgress value) => Last = value;
    }

    private sealed class PushdownClaimingSource(VoucherTransaction[] rows) : ITransactionSource
    {
        public SourcePushdown Plan(TransactionQuery query) => new(FiltersApplied: true, OrderApplied: true);

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return rows;
        }
    }
}
