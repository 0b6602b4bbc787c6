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
        var measurements = new ConcurrentBag<(string Name, double Value, string? ErrorType)>();
        var spans = new ConcurrentBag<Activity>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VoucherExportTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, ErrorType(tags))));
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, ErrorType(tags))));
        meters.Start();
        using var traces = new ActivityListener
        {
            ShouldListenTo = s => s.Name == VoucherExportTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(traces);

        string doneId, failedId;
        await using (var good = new ExportRegistry(new InMemoryExportStore(), new InMemoryTransactionSource(Rows.Many(42)), new InMemoryChunkSinkFactory()))
        await using (var bad = new ExportRegistry(new InMemoryExportStore(), new BlockingSource(Rows.Many(9), throwAfter: 3), new InMemoryChunkSinkFactory()))
        {
            doneId = (await good.CreateAsync("app", ExportScope.All, ExportParameters.Default)).Id;
            failedId = (await bad.CreateAsync("app", ExportScope.All, ExportParameters.Default)).Id;
            var done = await good.WaitAsync("app", doneId);
            await bad.WaitAsync("app", failedId);
            Assert.Equal(ExportStatus.Done, done!.Status);
        }

        var doneSpan = Assert.Single(spans, s => (string?)s.GetTagItem("export.id") == doneId);
        Assert.Equal("voucher_export.export", doneSpan.OperationName);
        Assert.Equal(42L, doneSpan.GetTagItem("export.rows"));
        Assert.Equal(ActivityStatusCode.Ok, doneSpan.Status);
        var failedSpan = Assert.Single(spans, s => (string?)s.GetTagItem("export.id") == failedId);
        Assert.Equal(ActivityStatusCode.Error, failedSpan.Status);
        Assert.Equal("invalid_ledger", failedSpan.GetTagItem("error.type"));

        // Other tests may export in parallel: only lower bounds are certain for the counters.
        Assert.Contains(measurements, m => m.Name == "voucher_export.rows" && m.Value == 42);
        Assert.Contains(measurements, m => m.Name == "voucher_export.exports.failed" && m.ErrorType == "invalid_ledger");
        Assert.True(measurements.Count(m => m.Name == "voucher_export.exports.started") >= 2);
        Assert.True(measurements.Count(m => m.Name == "voucher_export.exports.finished") >= 1);
        Assert.True(measurements.Count(m => m.Name == "voucher_export.export.duration") >= 2);
        Assert.True(measurements.Where(m => m.Name == "voucher_export.exports.active").Sum(m => m.Value) >= 0);
    }

    private static string? ErrorType(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "error.type")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
