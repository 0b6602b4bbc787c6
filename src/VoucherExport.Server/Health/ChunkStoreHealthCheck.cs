using Microsoft.Extensions.Diagnostics.HealthChecks;
using VoucherExport.Chunks;
using VoucherExport.S3;

namespace VoucherExport.Server.Health;

/// <summary>
/// Where exports are written accepts a chunk: through the registry's own <see cref="IChunkSinkFactory"/> (the bucket of an
/// S3 sink, the folder of a file sink), a one-line chunk is written under a probe id, committed, read back, and removed.
/// </summary>
internal sealed class ChunkStoreHealthCheck(IChunkSinkFactory sinks) : IHealthCheck
{
    /// <summary>The probe's "export id": never an export's (those start <c>exp_</c>), so no export ever meets it.</summary>
    public const string ProbePrefix = "health-probe-";

    public string Where => sinks switch
    {
        S3ChunkSinkFactory s3 => $"bucket {s3.Options.BucketName}" + (s3.Options.ServiceUrl is { } url ? $" at {url.GetLeftPart(UriPartial.Authority)}" : ""),
        FileSystemChunkSinkFactory => "the chunk folder",
        _ => sinks.GetType().Name,
    };

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IChunkSink sink = sinks.Create(ProbePrefix + Guid.NewGuid().ToString("N")[..16]);
        byte[] content = "voucher-export readiness probe\n"u8.ToArray();
        try
        {
            IChunkWriter writer = await sink.CreateChunkAsync("part-00001.csv", cancellationToken).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            Stream read = await sink.OpenReadAsync("part-00001.csv", cancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                using var copy = new MemoryStream();
                await read.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                if (!copy.ToArray().AsSpan().SequenceEqual(content))
                {
                    return HealthCheckResult.Unhealthy($"{Where}: a probe chunk read back different bytes");
                }
            }

            await sink.DeleteAllAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{Where} is writable");
        }
        catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            await TryDeleteAsync(sink).ConfigureAwait(false);
            return HealthCheckResult.Unhealthy($"{Where} is not writable: {Innermost(e).Message}");
        }
    }

    private static async Task TryDeleteAsync(IChunkSink sink)
    {
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await sink.DeleteAllAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store is down: the probe left nothing it could reach either (an uncommitted chunk is invisible).
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner && e is not HttpRequestException ? Innermost(inner) : e;
}
