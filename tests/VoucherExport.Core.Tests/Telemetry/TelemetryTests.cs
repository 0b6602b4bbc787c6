using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Telemetry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Telemetry;

/// <summary>The instruments fire with the right values. Measurements are told apart by the export ids of this test.</summary>
[Collection(nameof(TelemetryTests))]
public class TelemetryTests
{
    [Fact]
    public async Task ADoneAndAFailedExportAreCountedAndTraced()
    {
        var measurements = new ConcurrentBag<(string Name, double Value, string? ErrorType, string? App)>();
        var spans = new ConcurrentBag<Activity>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VoucherExportTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, Tag(tags, "error.type"), Tag(tags, "export.app_id"))));
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, Tag(tags, "error.type"), Tag(tags, "export.app_id"))));
        meters.Start();
        using var traces = new ActivityListener
        {
            ShouldListenTo = s => s.Name == VoucherExportTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(traces);

        // The meters are process-wide and other tests export in parallel: this test's application is its own.
        string app = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
        string doneId, failedId;
        await using (var good = new ExportRegistry(new InMemoryExportStore(), new InMemoryTransactionSource(Rows.Many(42)), new InMemoryChunkSinkFactory()))
        await using (var bad = new ExportRegistry(new InMemoryExportStore(), new BlockingSource(Rows.Many(9), throwAfter: 3), new InMemoryChunkSinkFactory()))
        {
            doneId = (await good.CreateAsync(app, ExportScope.All, ExportParameters.Default)).Id;
            failedId = (await bad.CreateAsync(app, ExportScope.All, ExportParameters.Default)).Id;
            var done = await good.WaitAsync(app, doneId);
            await bad.WaitAsync(app, failedId);
            Assert.Equal(ExportStatus.Done, done!.Status);
        }

        var doneSpan = Assert.Single(spans, s => (string?)s.GetTagItem("export.id") == doneId);
        Assert.Equal("voucher_export.export", doneSpan.OperationName);
        Assert.Equal(42L, doneSpan.GetTagItem("export.rows"));
        Assert.Equal(ActivityStatusCode.Ok, doneSpan.Status);
        var failedSpan = Assert.Single(spans, s => (string?)s.GetTagItem("export.id") == failedId);
        Assert.Equal(ActivityStatusCode.Error, failedSpan.Status);
        Assert.Equal("invalid_ledger", failedSpan.GetTagItem("error.type"));

        // Every measurement carries the application, so this test's are exactly its two exports'.
        var mine = measurements.Where(m => m.App == app).ToList();
        Assert.Equal([42.0], mine.Where(m => m.Name == "voucher_export.rows").Select(m => m.Value));
        Assert.Equal(["invalid_ledger"], mine.Where(m => m.Name == "voucher_export.exports.failed").Select(m => m.ErrorType));
        Assert.Equal(2, mine.Count(m => m.Name == "voucher_export.exports.started"));
        Assert.Equal(1, mine.Count(m => m.Name == "voucher_export.exports.finished"));
        Assert.Equal(2, mine.Count(m => m.Name == "voucher_export.export.duration"));
        Assert.Equal(0, mine.Where(m => m.Name == "voucher_export.exports.active").Sum(m => m.Value));
    }

    [Fact]
    public async Task EachStageIsAChildSpanOfTheExport()
    {
        var spans = new ConcurrentBag<Activity>();
        using var traces = new ActivityListener
        {
            ShouldListenTo = s => s.Name == VoucherExportTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(traces);

        // Newest first is the default order: the reversed rows are already in it, and the source says so.
        VoucherTransaction[] rows = [.. Rows.Many(30).Reverse()];
        var declared = new InMemoryTransactionSource(rows, batchSize: 7, declaredOrder: ExportOrder.CreatedAtDescending);
        var unordered = new InMemoryTransactionSource(Rows.Many(30), batchSize: 7);
        var failing = new BlockingSource(Rows.Many(9), throwAfter: 3);
        string streamedId = await RunAsync(declared), sortedId = await RunAsync(unordered), failedId = await RunAsync(failing);

        Assert.Equal(["voucher_export.write", "voucher_export.manifest"], Stages(streamedId).Select(s => s.OperationName));
        Activity streamedWrite = Stages(streamedId)[0];
        Assert.Equal("declared", streamedWrite.GetTagItem("export.source_order"));
        Assert.Equal(30L, streamedWrite.GetTagItem("export.rows"));
        Assert.Equal(1, streamedWrite.GetTagItem("export.chunks"));
        Assert.All(Stages(streamedId), s => Assert.Equal(ActivityStatusCode.Unset, s.Status));

        Assert.Equal(["voucher_export.sort", "voucher_export.write", "voucher_export.manifest"], Stages(sortedId).Select(s => s.OperationName));
        Assert.Equal(0, Stages(sortedId)[0].GetTagItem("sort.runs_spilled"));
        Assert.Equal("sorted", Stages(sortedId)[1].GetTagItem("export.source_order"));
        Assert.Equal(30L, Stages(sortedId)[1].GetTagItem("export.rows"));

        // The source fails while the rows are being collected for the sort: that stage carries the error, and no later stage starts.
        Activity failedStage = Assert.Single(Stages(failedId));
        Assert.Equal("voucher_export.sort", failedStage.OperationName);
        Assert.Equal(ActivityStatusCode.Error, failedStage.Status);
        Assert.Equal(typeof(LedgerFormatException).FullName, failedStage.GetTagItem("error.type"));

        List<Activity> Stages(string exportId)
        {
            Activity export = Assert.Single(spans, s => s.OperationName == "voucher_export.export" && (string?)s.GetTagItem("export.id") == exportId);
            return [.. spans.Where(s => s.ParentSpanId == export.SpanId && s.TraceId == export.TraceId).OrderBy(s => s.StartTimeUtc)];
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task TheRegistryRunsEachExportWithItsParallelism(int? parallelism)
    {
        var spans = new ConcurrentBag<Activity>();
        using var traces = new ActivityListener
        {
            ShouldListenTo = s => s.Name == VoucherExportTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(traces);
        var options = parallelism is { } threads ? new ExportRegistryOptions { Parallelism = threads } : ExportRegistryOptions.Default;

        string id;
        await using (var registry = new ExportRegistry(
            new InMemoryExportStore(), new InMemoryTransactionSource(Rows.Many(20)), new InMemoryChunkSinkFactory(), options))
        {
            id = (await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default)).Id;
            Assert.Equal(ExportStatus.Done, (await registry.WaitAsync("app", id))!.Status);
        }

        Activity export = Assert.Single(spans, s => s.OperationName == "voucher_export.export" && (string?)s.GetTagItem("export.id") == id);
        Activity write = Assert.Single(spans, s => s.OperationName == "voucher_export.write" && s.ParentSpanId == export.SpanId);
        Assert.Equal(parallelism ?? Math.Clamp(Environment.ProcessorCount, 1, ChunkedCsvWriter.MaxParallelism), write.GetTagItem("export.threads"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void AParallelismOutOfRangeIsRefusedByName(int parallelism)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ExportRegistryOptions { Parallelism = parallelism }.Validate());
        Assert.Equal(nameof(ExportRegistryOptions.Parallelism), error.ParamName);
    }

    private static async Task<string> RunAsync(ITransactionSource source)
    {
        await using var registry = new ExportRegistry(new InMemoryExportStore(), source, new InMemoryChunkSinkFactory());
        string id = (await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default)).Id;
        await registry.WaitAsync("app", id);
        return id;
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
