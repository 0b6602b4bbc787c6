using Microsoft.Extensions.Logging;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary>
/// Warns when an export this instance ran ended DONE without malformed ledger rows (<c>Ledger:MalformedRows</c> is
/// <c>Skip</c>), with the export id in the log scope. The registry tells it when the final state is stored, so nothing
/// polls; the lifecycle lines themselves (created, claimed, done, failed, …) are the registry's own.
/// </summary>
internal sealed partial class ExportLogListener(ILogger<ExportLogListener> logger) : IExportCompletionListener
{
    public Task OnCompletedAsync(string appId, ExportObject export, CancellationToken cancellationToken)
    {
        if (export is { Status: ExportStatus.Done, Result.SkippedRows: > 0 and var skipped })
        {
            using var scope = ServerLog.ExportScope(logger, export.Id);
            LogSkipped(logger, skipped);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export DONE without {Skipped} malformed ledger row(s) (Ledger:MalformedRows is Skip; result.skipped_rows)")]
    private static partial void LogSkipped(ILogger logger, long skipped);
}
