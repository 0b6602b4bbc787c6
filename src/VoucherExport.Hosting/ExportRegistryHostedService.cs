using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VoucherExport.Registry;

namespace VoucherExport.Hosting;

/// <summary>
/// Owns the registry's background workers for the host's lifetime: starts them with the host, and on shutdown lets
/// running exports finish for <see cref="VoucherExportOptions.DrainTimeout"/>, then cancels what is left (those exports end
/// in <c>ERROR</c>, their files removed).
/// </summary>
internal sealed partial class ExportRegistryHostedService(
    ExportRegistry registry, IOptions<VoucherExportOptions> options, ILogger<ExportRegistryHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogStarted(logger, options.Value.MaxConcurrentExports);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        TimeSpan drain = options.Value.DrainTimeout;
        if (drain > TimeSpan.Zero)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(drain);
            try
            {
                await registry.WhenIdleAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogDrainTimedOut(logger, drain);
            }
        }

        await registry.DisposeAsync().ConfigureAwait(false);
        LogStopped(logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "VoucherExport registry started with {MaxConcurrentExports} workers")]
    private static partial void LogStarted(ILogger logger, int maxConcurrentExports);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VoucherExport exports still running after {DrainTimeout}; cancelling them")]
    private static partial void LogDrainTimedOut(ILogger logger, TimeSpan drainTimeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "VoucherExport registry stopped")]
    private static partial void LogStopped(ILogger logger);
}
