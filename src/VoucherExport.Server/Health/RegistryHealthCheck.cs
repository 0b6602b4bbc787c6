using Microsoft.Extensions.Diagnostics.HealthChecks;
using VoucherExport.Registry;

namespace VoucherExport.Server.Health;

/// <summary>
/// The registry's store answers and the queue moves: not ready when the store cannot be read, when an export whose worker
/// died (its lease ran out) has not been taken over within <c>Health:StuckAfter</c>, or when exports wait while nothing
/// at all was written (no claim, heartbeat or end) for that long.
/// </summary>
internal sealed class RegistryHealthCheck(IExportStore store, TimeProvider time, TimeSpan stuckAfter) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string kind = store.IsShared ? "the shared export store" : "the in-process export store";
        if (store is not IExportStoreMonitor monitor)
        {
            return HealthCheckResult.Healthy($"{kind} ({store.GetType().Name}) cannot be inspected; not checked");
        }

        DateTimeOffset now = time.GetUtcNow();
        ExportStoreOverview overview;
        try
        {
            overview = await monitor.GetOverviewAsync(null, now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{kind} cannot be read: {e.Message}");
        }

        var data = new Dictionary<string, object>
        {
            ["scheduled"] = overview.Scheduled,
            ["running"] = overview.Running.Sum(r => r.Running),
            ["expired_leases"] = overview.ExpiredLeases,
        };
        if (overview.OldestExpiredLeaseAt is { } expiredAt && now - expiredAt > stuckAfter)
        {
            return HealthCheckResult.Unhealthy(
                $"registry stuck: {overview.ExpiredLeases} export(s) lost their worker and none was taken over for {Minutes(now - expiredAt)} "
                + $"(Health:StuckAfter {stuckAfter})", data: data);
        }

        if (overview.OldestScheduledAt is { } waitingSince && now - waitingSince > stuckAfter
            && (overview.LastActivityAt is not { } last || now - last > stuckAfter))
        {
            return HealthCheckResult.Unhealthy(
                $"registry stuck: {overview.Scheduled} export(s) wait, the oldest for {Minutes(now - waitingSince)}, and nothing moved in the store "
                + $"for {Minutes(now - (overview.LastActivityAt ?? waitingSince))} (Health:StuckAfter {stuckAfter})", data: data);
        }

        return HealthCheckResult.Healthy(
            $"{kind} answers: {overview.Scheduled} scheduled, {data["running"]} running, {overview.ExpiredLeases} awaiting takeover", data);
    }

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0} s";
}
