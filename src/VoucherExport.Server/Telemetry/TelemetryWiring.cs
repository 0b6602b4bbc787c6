using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using VoucherExport.Registry;
using VoucherExport.Server.Operations;

namespace VoucherExport.Server.Telemetry;

/// <summary>
/// The queue gauges always (so <c>dotnet-counters</c> sees them too), and, when <c>OpenTelemetry:Endpoint</c> is set, an OTLP
/// exporter for the library's traces and metrics (<c>VoucherExport</c>) and the server's (<c>VoucherExport.Server</c>).
/// </summary>
internal static class TelemetryWiring
{
    public static IServiceCollection AddExportTelemetry(this IServiceCollection services, IConfiguration configuration, TimeProvider time)
    {
        TimeSpan sample = OperationsSettings.TimeSpanOf(
            configuration, "OpenTelemetry:QueueSampleInterval", TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        services.AddSingleton(provider => new QueueGauges(
            provider.GetRequiredService<IExportStore>(), time, sample, provider.GetRequiredService<ILogger<QueueGauges>>()));

        if (OperationsSettings.AbsoluteUriOf(configuration, "OpenTelemetry:Endpoint", "http", "https") is not { } endpoint)
        {
            return services;
        }

        string protocolText = OperationsSettings.Text(configuration, "OpenTelemetry:Protocol") ?? "http/protobuf";
        OtlpExportProtocol protocol = protocolText switch
        {
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            "grpc" => OtlpExportProtocol.Grpc,
            _ => throw new ServerConfigurationException("OpenTelemetry:Protocol", $"'{protocolText}' is not http/protobuf or grpc"),
        };
        int intervalMs = (int)OperationsSettings.TimeSpanOf(
            configuration, "OpenTelemetry:MetricInterval", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)).TotalMilliseconds;
        string serviceName = OperationsSettings.Text(configuration, "OpenTelemetry:ServiceName") ?? "voucher-export";

        // Over HTTP each signal has its own path under the base address; gRPC takes the base address itself.
        Uri Signal(string path) => protocol == OtlpExportProtocol.Grpc ? endpoint : new Uri(endpoint.AbsoluteUri.TrimEnd('/') + path);

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithTracing(tracing => tracing
                .AddSource(VoucherExport.Telemetry.VoucherExportTelemetry.Name)
                .AddOtlpExporter(otlp =>
                {
                    otlp.Endpoint = Signal("/v1/traces");
                    otlp.Protocol = protocol;
                }))
            .WithMetrics(metrics => metrics
                .AddMeter(VoucherExport.Telemetry.VoucherExportTelemetry.Name, QueueGauges.MeterName)
                .AddOtlpExporter((otlp, reader) =>
                {
                    otlp.Endpoint = Signal("/v1/metrics");
                    otlp.Protocol = protocol;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMs;
                }));
        return services;
    }
}
