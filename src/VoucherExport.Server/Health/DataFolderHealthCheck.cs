using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VoucherExport.Server.Health;

/// <summary>The data folder (<c>Exports:DataFolder</c>) is writable: a small file is written, flushed to disk, read back and removed.</summary>
internal sealed class DataFolderHealthCheck(string folder) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string probe = Path.Combine(folder, $".health-{Guid.NewGuid():N}.tmp");
        byte[] content = "voucher-export readiness probe\n"u8.ToArray();
        try
        {
            Directory.CreateDirectory(folder);
            var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            byte[] back = await File.ReadAllBytesAsync(probe, cancellationToken).ConfigureAwait(false);
            return back.AsSpan().SequenceEqual(content)
                ? HealthCheckResult.Healthy($"{folder} is writable")
                : HealthCheckResult.Unhealthy($"{folder}: a probe file read back different bytes");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"{folder} is not writable: {e.Message}");
        }
        finally
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing was written, or the folder went away: the result above says so.
            }
        }
    }
}
