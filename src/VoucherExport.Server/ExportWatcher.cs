using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary>Logs what the registry's lifecycle lines leave out about an export's end (skipped malformed rows, deleted before it ended), with the export id in the log scope.</summary>
internal sealed partial class ExportWatcher(ExportRegistry registry, IHostApplicationLifetime lifetime, ILogger<ExportWatcher> logger)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _watching = new();

    /// <summary>Starts watching <paramref name="exportId"/>; returns at once.</summary>
    public void Watch(string appId, string exportId)
    {
        Task watch = WatchAsync(appId, exportId);
        _watching.TryAdd(watch, 0);
        watch.ContinueWith(static (done, state) => ((ExportWatcher)state!)._watching.TryRemove(done, out _), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Completes when every watch started so far has logged its end (tests wait on it instead of sleeping).</summary>
    internal Task IdleAsync() => Task.WhenAll(_watching.Keys);

    private async Task WatchAsync(string appId, string exportId)
    {
        using var scope = ServerLog.ExportScope(logger, exportId);
        try
        {
            ExportObject? final = await registry.WaitAsync(appId, exportId, lifetime.ApplicationStopping).ConfigureAwait(false);
            switch (final)
            {
                case null:
                    LogGone(logger);
                    break;
                // DONE and ERROR themselves are the registry's lifecycle lines (ExportDone, ExportFailed, ExportCancelled).
                case { Status: ExportStatus.Done, Result: { SkippedRows: > 0 } result }:
                    LogSkipped(logger, result.SkippedRows);
                    break;
                default:
                    break;
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Shutting down: the registry ends what still runs in ERROR.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A watcher is only a logger; it must never take the process down.
            LogWatchFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export DONE without {Skipped} malformed ledger row(s) (Ledger:MalformedRows is Skip; result.skipped_rows)")]
    private static partial void LogSkipped(ILogger logger, long skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export deleted before it finished")]
    private static partial void LogGone(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Watching the export failed")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);
}
