using VoucherExport.Server.Tests.Support;
using VoucherExport.Testing;

namespace VoucherExport.Server.Tests.Telemetry;

/// <summary>
/// With <c>OpenTelemetry:Endpoint</c> set, the server ships its spans and metrics over OTLP/HTTP to a real receiver. The
/// application id is new per run, so the figures checked are this export's alone (the meters are process-wide).
/// </summary>
public class OtlpExportTests
{
    [Fact]
    public async Task OneExportsSpansAndCountersArriveOverOtlp()
    {
        await using OtlpReceiver receiver = await OtlpReceiver.StartAsync();
        string app = "otel-" + Guid.NewGuid().ToString("N")[..10];
        const string token = "token-of-the-otel-app-0004";
        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?>
        {
            [$"Applications:{app}"] = token,
            ["OpenTelemetry:Endpoint"] = receiver.Address.AbsoluteUri,
            ["OpenTelemetry:MetricInterval"] = "00:00:00.200",
            ["OpenTelemetry:QueueSampleInterval"] = "00:00:00.100",
            ["Exports:MaxChunkRows"] = "250",
        });
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/exports")
        {
            Content = new StringContent("""{"exported_object":"voucher_transactions"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        create.Headers.Add("X-App-Id", app);
        create.Headers.Add("X-App-Token", token);
        using HttpResponseMessage created = await server.Client.SendAsync(create);
        string id = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var done = (await server.Registry.WaitAsync(app, id))!;
        Assert.Equal(VoucherExport.Registry.ExportStatus.Done, done.Status);

        // Spans: the export's, tagged with its id and application, and one child per phase, each tagged with it.
        OtlpReceiver.Span export = await OtlpReceiver.EventuallyAsync(() => receiver.Spans.SingleOrDefault(
            s => s.Name == "voucher_export.export" && Equals(s.Attributes.GetValueOrDefault("export.id"), id)));
        Assert.Equal(app, export.Attributes["export.app_id"]);
        Assert.Equal(600L, export.Attributes["export.rows"]);
        Assert.Equal(3L, export.Attributes["export.chunks"]);
        Assert.Equal(1, export.StatusCode);
        var phases = (await OtlpReceiver.EventuallyAsync(() =>
        {
            var children = receiver.Spans.Where(s => s.ParentSpanId == export.SpanId).ToList();
            return children.Count >= 3 ? children : null;
        })).ToDictionary(s => s.Name, s => s.Attributes["export.phase"]);
        Assert.Equal("sort", phases["voucher_export.sort"]);
        Assert.Equal("write", phases["voucher_export.write"]);
        Assert.Equal("manifest", phases["voucher_export.manifest"]);

        // Counters and the duration histogram of this application: one export started and finished, 600 rows, its bytes.
        double Sum(string metric) => receiver.Points.Where(p => p.Metric == metric && Equals(p.Attributes.GetValueOrDefault("export.app_id"), app))
            .Select(p => p.Value).DefaultIfEmpty(-1).Max();
        await OtlpReceiver.EventuallyAsync(() => Sum("voucher_export.rows") == 600 ? "" : null);
        Assert.Equal(1, Sum("voucher_export.exports.started"));
        Assert.Equal(1, Sum("voucher_export.exports.finished"));
        Assert.Equal(done.Result!.Bytes, Sum("voucher_export.bytes"));

        // Active is an up-down counter: 1 while it ran (if a collection fell then), 0 in the latest export.
        double Latest(string metric) => receiver.Points.Where(p => p.Metric == metric && Equals(p.Attributes.GetValueOrDefault("export.app_id"), app))
            .Select(p => p.Value).DefaultIfEmpty(-1).Last();
        await OtlpReceiver.EventuallyAsync(() => Latest("voucher_export.exports.active") == 0 ? "" : null);
        Assert.Contains(receiver.Points, p => p.Metric == "voucher_export.export.duration" && p.Kind == "histogram"
            && Equals(p.Attributes.GetValueOrDefault("export.app_id"), app) && p.Count == 1);

        // The queue gauges of the server's own meter arrive too.
        await OtlpReceiver.EventuallyAsync(() => receiver.Points.FirstOrDefault(p => p.Metric == "voucher_export.queue.depth" && p.Kind == "gauge"));
    }
}
