using System.Diagnostics;
using VoucherExport.Parameters;
using VoucherExport.Registry;

namespace VoucherExport.Telemetry;

/// <summary>
/// One export run as telemetry: its <c>voucher_export.export</c> span and its metrics. A run that ends neither
/// done nor failed (its lease was lost, it was handed back) only leaves the active count.
/// </summary>
internal sealed class ExportTelemetryScope : IDisposable
{
    private readonly Activity? _activity;
    private readonly TimeProvider _time;
    private readonly long _started;

    // The application is the one attribute of the metrics: export ids are unbounded and belong on the spans only.
    private readonly KeyValuePair<string, object?> _app;
    private bool _ended;

    private ExportTelemetryScope(Activity? activity, TimeProvider time, string appId)
    {
        _activity = activity;
        _time = time;
        _started = time.GetTimestamp();
        _app = new KeyValuePair<string, object?>("export.app_id", appId);
        VoucherExportTelemetry.ExportsStarted.Add(1, _app);
        VoucherExportTelemetry.ExportsActive.Add(1, _app);
    }

    public static ExportTelemetryScope Start(ExportJob job, int attempt, TimeProvider time)
    {
        Activity? activity = VoucherExportTelemetry.ActivitySource.StartActivity("voucher_export.export", ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag("export.id", job.Export.Id);
            activity.SetTag("export.app_id", job.AppId);
            activity.SetTag("export.attempt", attempt);
            activity.SetTag("export.order", job.Export.Parameters.Order == ExportOrder.CreatedAtAscending ? "created_at" : "-created_at");
        }

        return new ExportTelemetryScope(activity, time, job.AppId);
    }

    public void Done(ExportResultInfo result)
    {
        End();
        VoucherExportTelemetry.ExportsFinished.Add(1, _app);
        VoucherExportTelemetry.RowsExported.Add(result.Rows, _app);
        VoucherExportTelemetry.BytesExported.Add(result.Bytes, _app);
        _activity?.SetTag("export.rows", result.Rows);
        _activity?.SetTag("export.bytes", result.Bytes);
        _activity?.SetTag("export.chunks", result.Chunks.Count);
        _activity?.SetStatus(ActivityStatusCode.Ok);
    }

    public void Failed(VoucherifyError error)
    {
        End();
        VoucherExportTelemetry.ExportsFailed.Add(1, _app, new KeyValuePair<string, object?>("error.type", error.Key));
        _activity?.SetTag("error.type", error.Key);
        _activity?.SetStatus(ActivityStatusCode.Error, error.Details);
    }

    public void Dispose()
    {
        if (!_ended)
        {
            VoucherExportTelemetry.ExportsActive.Add(-1, _app);
            _ended = true;
        }

        _activity?.Dispose();
    }

    private void End()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        VoucherExportTelemetry.ExportsActive.Add(-1, _app);
        VoucherExportTelemetry.ExportDuration.Record(_time.GetElapsedTime(_started).TotalSeconds, _app);
    }
}
