using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VoucherExport.Telemetry;

/// <summary>
/// The library's traces and metrics, with <c>System.Diagnostics</c> only, so OpenTelemetry (or dotnet-counters) picks them
/// up by the name <see cref="Name"/> without a dependency: <c>AddSource("VoucherExport")</c>, <c>AddMeter("VoucherExport")</c>.
/// </summary>
public static class VoucherExportTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and the <see cref="Meter"/>.</summary>
    public const string Name = "VoucherExport";

    private static readonly string? s_version = typeof(VoucherExportTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>One span per export (<c>voucher_export.export</c>) with child spans per stage.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, s_version);

    /// <summary>The meter of every instrument below.</summary>
    public static Meter Meter { get; } = new(Name, s_version);

    internal static Counter<long> ExportsStarted { get; } =
        Meter.CreateCounter<long>("voucher_export.exports.started", "{export}", "Exports that started running.");

    internal static Counter<long> ExportsFinished { get; } =
        Meter.CreateCounter<long>("voucher_export.exports.finished", "{export}", "Exports that ended DONE.");

    internal static Counter<long> ExportsFailed { get; } =
        Meter.CreateCounter<long>("voucher_export.exports.failed", "{export}", "Exports that ended in ERROR (cancellations included).");

    internal static UpDownCounter<long> ExportsActive { get; } =
        Meter.CreateUpDownCounter<long>("voucher_export.exports.active", "{export}", "Exports running now.");

    internal static Counter<long> RowsExported { get; } =
        Meter.CreateCounter<long>("voucher_export.rows", "{row}", "Records written into published chunks.");

    internal static Counter<long> BytesExported { get; } =
        Meter.CreateCounter<long>("voucher_export.bytes", "By", "Bytes of published chunks, headers included.");

    internal static Histogram<double> ExportDuration { get; } =
        Meter.CreateHistogram<double>("voucher_export.export.duration", "s", "Wall time of an export run, start to manifest.");
}
