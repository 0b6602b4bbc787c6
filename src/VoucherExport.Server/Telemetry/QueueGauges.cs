using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using VoucherExport.Registry;

namespace VoucherExport.Server.Telemetry;

/// <summary>
/// The queue as metrics (meter <see cref="MeterName"/>): depth, running exports per instance, leases awaiting takeover.
/// Read from the shared store, so every instance reports the same figures (aggregate with max, not sum). A collection
/// answers with the last reading and starts a fresh one when it is older than the sample interval, so an exporter's
/// callback never waits on the database.
/// </summary>
internal sealed partial class QueueGauges : IDisposable
{
    public const string MeterName = "VoucherExport.Server";

    private readonly IExportStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly Lock _gate = new();
    private ExportStoreOverview? _last;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private Task _reading = Task.CompletedTask;

    public QueueGauges(IExportStore store, TimeProvider time, TimeSpan interval, ILogger<QueueGauges> logger)
    {
        _store = store;
        _time = time;
        _interval = interval;
        _logger = logger;
        _meter = new Meter(MeterName, typeof(QueueGauges).Assembly.GetName().Version?.ToString());
        _meter.CreateObservableGauge("voucher_export.queue.depth", () => Observe<long>(o => [new Measurement<long>(o.Scheduled)]),
            "{export}", "Exports waiting SCHEDULED in the registry's store.");
        _meter.CreateObservableGauge("voucher_export.queue.running", () => Observe<long>(o =>
                [.. o.Running.Select(r => new Measurement<long>(r.Running, new KeyValuePair<string, object?>("export.instance", r.Instance)))]),
            "{export}", "Exports IN_PROGRESS under a live lease, per instance.");
        _meter.CreateObservableGauge("voucher_export.queue.expired_leases", () => Observe<long>(o => [new Measurement<long>(o.ExpiredLeases)]),
            "{export}", "Exports whose worker's lease ran out and that no worker took over yet.");
        _meter.CreateObservableGauge("voucher_export.queue.oldest_wait", () => Observe<double>(o => o.OldestScheduledAt is { } at
                ? [new Measurement<double>(Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds))]
                : [new Measurement<double>(0)]),
            "s", "How long the oldest SCHEDULED export has waited.");
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<T>> Observe<T>(Func<ExportStoreOverview, Measurement<T>[]> read)
        where T : struct
    {
        ExportStoreOverview? last;
        lock (_gate)
        {
            if (_time.GetUtcNow() - _readAt >= _interval && _reading.IsCompleted)
            {
                _readAt = _time.GetUtcNow();
                _reading = RefreshAsync();
            }

            last = _last;
        }

        return last is null ? [] : read(last);
    }

    private async Task RefreshAsync()
    {
        if (_store is not IExportStoreMonitor monitor)
        {
            return;
        }

        try
        {
            ExportStoreOverview overview = await monitor.GetOverviewAsync(null, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            lock (_gate)
            {
                _last = overview;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogReadFailed(_logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the queue for its metrics failed")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
