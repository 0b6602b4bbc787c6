using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static VoucherExport.Testing.ProtobufReader;

namespace VoucherExport.Testing;

/// <summary>
/// A real OTLP/HTTP endpoint on 127.0.0.1 (Kestrel): takes <c>POST /v1/traces</c> and <c>/v1/metrics</c> in protobuf, as
/// the OpenTelemetry exporter sends them, and decodes the spans and metric points (field numbers from
/// opentelemetry-proto's trace.proto, metrics.proto and common.proto).
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly ConcurrentQueue<Point> _points = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public sealed record Span(string Name, string SpanId, string ParentSpanId, IReadOnlyDictionary<string, object> Attributes, int StatusCode);

    public sealed record Point(string Metric, string Kind, IReadOnlyDictionary<string, object> Attributes, double Value, ulong Count);

    public Uri Address => new(_app.Urls.Single());

    public IReadOnlyList<Span> Spans => [.. _spans];

    public IReadOnlyList<Point> Points => [.. _points];

    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>
    /// Polls <paramref name="find"/> until it finds something (what the exporters ship comes in batches, seconds apart);
    /// fails after 60 s.
    /// </summary>
    public static async Task<T> EventuallyAsync<T>(Func<T?> find)
        where T : class
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (find() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "the OTLP receiver did not get what was expected in 60 s");
            await Task.Delay(100);
        }
    }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", (Delegate)((HttpContext context) => receiver.TakeAsync(context, receiver.DecodeTraces)));
        app.MapPost("/v1/metrics", (Delegate)((HttpContext context) => receiver.TakeAsync(context, receiver.DecodeMetrics)));
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> TakeAsync(HttpContext context, Action<ReadOnlyMemory<byte>> decode)
    {
        if (context.Request.ContentType != "application/x-protobuf")
        {
            return Results.StatusCode(415);
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        decode(body.ToArray());
        Interlocked.Increment(ref _requests);

        // An empty Export*ServiceResponse: full success.
        return Results.Bytes([], "application/x-protobuf");
    }

    private void DecodeTraces(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceSpans in Read(request).Where(f => f.Number == 1))
        {
            foreach (var scopeSpans in Read(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                foreach (var span in Read(scopeSpans.Bytes).Where(f => f.Number == 2))
                {
                    string name = "", id = "", parent = "";
                    var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
                    int status = 0;
                    foreach (var field in Read(span.Bytes))
                    {
                        switch (field.Number)
                        {
                            case 2: id = Convert.ToHexStringLower(field.Bytes.Span); break;
                            case 4: parent = Convert.ToHexStringLower(field.Bytes.Span); break;
                            case 5: name = field.Text; break;
                            case 9: AddAttribute(attributes, field.Bytes); break;
                            case 15: status = (int)Read(field.Bytes).Where(f => f.Number == 3).Select(f => f.Scalar).FirstOrDefault(); break;
                        }
                    }

                    _spans.Enqueue(new Span(name, id, parent, attributes, status));
                }
            }
        }
    }

    private void DecodeMetrics(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceMetrics in Read(request).Where(f => f.Number == 1))
        {
            foreach (var scopeMetrics in Read(resourceMetrics.Bytes).Where(f => f.Number == 2))
            {
                foreach (var metric in Read(scopeMetrics.Bytes).Where(f => f.Number == 2))
                {
                    var fields = Read(metric.Bytes).ToList();
                    string name = fields.Single(f => f.Number == 1).Text;
                    foreach (var data in fields.Where(f => f.Number is 5 or 7 or 9))
                    {
                        string kind = data.Number switch { 5 => "gauge", 7 => "sum", _ => "histogram" };
                        foreach (var point in Read(data.Bytes).Where(f => f.Number == 1))
                        {
                            var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
                            double value = 0;
                            ulong count = 0;
                            foreach (var field in Read(point.Bytes))
                            {
                                switch (kind, field.Number)
                                {
                                    case (not "histogram", 7): AddAttribute(attributes, field.Bytes); break;
                                    case (not "histogram", 4): value = field.Double; break;
                                    case (not "histogram", 6): value = (long)field.Scalar; break;
                                    case ("histogram", 9): AddAttribute(attributes, field.Bytes); break;
                                    case ("histogram", 4): count = field.Scalar; break;
                                    case ("histogram", 5): value = field.Double; break;
                                }
                            }

                            _points.Enqueue(new Point(name, kind, attributes, value, count));
                        }
                    }
                }
            }
        }
    }

    // KeyValue { key = 1; AnyValue value = 2 }, AnyValue { string = 1; bool = 2; int = 3; double = 4 }.
    private static void AddAttribute(Dictionary<string, object> attributes, ReadOnlyMemory<byte> keyValue)
    {
        string key = "";
        object value = "";
        foreach (var field in Read(keyValue))
        {
            if (field.Number == 1)
            {
                key = field.Text;
            }
            else if (field.Number == 2)
            {
                foreach (var any in Read(field.Bytes))
                {
                    value = any.Number switch
                    {
                        1 => any.Text,
                        2 => any.Scalar != 0,
                        3 => (long)any.Scalar,
                        4 => any.Double,
                        _ => value,
                    };
                }
            }
        }

        attributes[key] = value;
    }
}
