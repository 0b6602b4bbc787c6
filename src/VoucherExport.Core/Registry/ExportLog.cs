using Microsoft.Extensions.Logging;

namespace VoucherExport.Registry;

/// <summary>
/// The registry's log lines (category <see cref="ExportRegistry"/>, the host's <c>ILogger&lt;ExportRegistry&gt;</c>),
/// written by the façade and the runner alike.
/// </summary>
internal static partial class ExportLog
{
    // The lifecycle lines: one per event, each named (EventId) and carrying the export id and application, so a JSON log
    // pipeline can count and alert on them without parsing messages (docs/operations.md lists them).
    [LoggerMessage(EventId = 1, EventName = "ExportCreated", Level = LogLevel.Information,
        Message = "Export {ExportId} created SCHEDULED for application {AppId}")]
    internal static partial void LogCreated(ILogger logger, string exportId, string appId);

    [LoggerMessage(EventId = 2, EventName = "ExportClaimed", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} claimed by {Worker} after {WaitedMs} ms in the queue")]
    internal static partial void LogClaimed(ILogger logger, string exportId, string appId, string worker, long waitedMs);

    [LoggerMessage(EventId = 3, EventName = "ExportRetried", Level = LogLevel.Warning,
        Message = "Export {ExportId} of {AppId}: run {Attempt} of {MaxAttempts} failed on a transient fault after {Rows} rows, {Bytes} bytes; retrying after its committed chunks in {Delay}")]
    internal static partial void LogRetried(
        ILogger logger, Exception exception, string exportId, string appId, int attempt, int maxAttempts, long rows, long bytes, TimeSpan delay);

    [LoggerMessage(EventId = 4, EventName = "ExportResumed", Level = LogLevel.Warning,
        Message = "Export {ExportId} of {AppId} taken over by {Worker} (claim {Attempt}): its previous worker's lease ran out")]
    internal static partial void LogResumed(ILogger logger, string exportId, string appId, string worker, int attempt);

    [LoggerMessage(EventId = 8, EventName = "ExportResumedAfterChunks", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} goes on after {Chunks} committed chunks ({Rows} rows), kept as stored")]
    internal static partial void LogResumedAfter(ILogger logger, string exportId, string appId, int chunks, long rows);

    [LoggerMessage(EventId = 9, EventName = "ExportSplit", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} split into {Tasks} range tasks any instance may run")]
    internal static partial void LogSplit(ILogger logger, string exportId, string appId, int tasks);

    [LoggerMessage(EventId = 5, EventName = "ExportDone", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} DONE: {Rows} rows, {Bytes} bytes in {Chunks} chunks, {DurationMs} ms")]
    internal static partial void LogDone(ILogger logger, string exportId, string appId, long rows, long bytes, int chunks, long durationMs);

    [LoggerMessage(EventId = 6, EventName = "ExportFailed", Level = LogLevel.Warning,
        Message = "Export {ExportId} of {AppId} ERROR {ErrorKey}: {ErrorDetails} (after {Rows} rows, {Bytes} bytes, {DurationMs} ms)")]
    internal static partial void LogFailed(
        ILogger logger, string exportId, string appId, string errorKey, string? errorDetails, long rows, long bytes, long durationMs);

    [LoggerMessage(EventId = 7, EventName = "ExportCancelled", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} cancelled: {Reason} (after {Rows} rows, {Bytes} bytes, {DurationMs} ms)")]
    internal static partial void LogCancelled(ILogger logger, string exportId, string appId, string? reason, long rows, long bytes, long durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export {ExportId}: recording the final state failed (try {Attempt} of {MaxAttempts}); trying again")]
    internal static partial void LogStoreRetrying(ILogger logger, Exception exception, string exportId, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutting down: the export store failed while ending the exports left (fault {Faults})")]
    internal static partial void LogShutdownStoreFailed(ILogger logger, Exception exception, int faults);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {ExportId} ERROR: removing its files failed")]
    internal static partial void LogCleanupFailed(ILogger logger, Exception exception, string exportId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {ExportId}: completion listener {Listener} failed")]
    internal static partial void LogListenerFailed(ILogger logger, Exception exception, string exportId, string listener);
}
