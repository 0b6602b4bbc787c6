using Microsoft.Extensions.Logging;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary>
/// Logs how each export this instance ran ends (DONE with its size, or ERROR with its cause), with the export id in the
/// log scope. The registry tells it when the final state is stored, so nothing polls.
/// </summary>
internal sealed partial class ExportLogListener(ILogger<ExportLogListener> logger) : IExportCompletionListener
{
    public Task OnCompletedAsync(string appId, ExportObject export, CancellationToken cancellationToken)
    {
        using var scope = ServerLog.ExportScope(logger, export.Id);
        switch (export)
        {
            case { Status: ExportStatus.Done, Result: { } result }:
                LogDone(logger, result.Rows, result.Bytes, result.Chunks.Count);
                if (result.SkippedRows > 0)
                {
                    LogSkipped(logger, result.SkippedRows);
                }

                break;
            case { Error: { } error }:
                LogFailed(logger, error.Key, error.Details);
                break;
            default:
                break;
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Export DONE: {Rows} rows, {Bytes} bytes in {Chunks} chunk(s)")]
    private static partial void LogDone(ILogger logger, long rows, long bytes, int chunks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export DONE without {Skipped} malformed ledger row(s) (Ledger:MalformedRows is Skip; result.skipped_rows)")]
    private static partial void LogSkipped(ILogger logger, long skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export ERROR: {Key}: {Details}")]
    private static partial void LogFailed(ILogger logger, string key, string? details);
}
