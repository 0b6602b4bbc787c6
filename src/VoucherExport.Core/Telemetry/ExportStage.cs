using System.Diagnostics;

namespace VoucherExport.Telemetry;

/// <summary>
/// The child spans of an export, one per stage, under the <c>voucher_export.export</c> span (or under whatever span is
/// current when a host calls <see cref="ExportEngine.RunAsync"/> itself).
/// </summary>
internal static class ExportStage
{
    /// <summary>Reading the source, filtering, and spilling sorted runs; only when the source does not deliver the order.</summary>
    public const string Sort = "voucher_export.sort";

    /// <summary>
    /// Formatting CSV and publishing chunks: fed by the source directly when it delivers the order (read and filter happen
    /// here too), else by the merge of the sorted runs.
    /// </summary>
    public const string Write = "voucher_export.write";

    /// <summary>Writing the manifest, the step that makes the export visible.</summary>
    public const string Manifest = "voucher_export.manifest";

    /// <summary>Starts the stage's span, tagged <c>export.phase</c> (<c>sort</c>, <c>write</c>, <c>manifest</c>).</summary>
    public static Activity? Start(string name)
    {
        Activity? stage = VoucherExportTelemetry.ActivitySource.StartActivity(name, ActivityKind.Internal);
        stage?.SetTag("export.phase", name[(name.LastIndexOf('.') + 1)..]);
        return stage;
    }

    /// <summary>Marks the stage failed; always false, so it is used as an exception filter that catches nothing.</summary>
    public static bool Failed(Activity? stage, Exception error)
    {
        if (stage is not null)
        {
            stage.SetTag("error.type", error.GetType().FullName);
            stage.SetStatus(ActivityStatusCode.Error, error is OperationCanceledException ? "cancelled" : error.Message);
        }

        return false;
    }
}
