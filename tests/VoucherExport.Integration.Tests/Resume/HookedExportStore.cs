using VoucherExport.Chunks;
using VoucherExport.Registry;

namespace VoucherExport.Integration.Tests.Resume;

/// <summary>
/// Passes a real export store through, calling <c>hook</c> at the store points of <see cref="HookPoint"/>: around chunk
/// records, the final write and lease renewals. Keeps the store's change feed, so registries still wake on
/// <c>LISTEN/NOTIFY</c>.
/// </summary>
internal sealed class HookedExportStore(IExportStore inner, Func<HookPoint, ChunkInfo?, ValueTask> hook) : IExportStore, IExportChangeFeed
{
    public bool IsShared => inner.IsShared;

    public bool KeepsChunks => inner.KeepsChunks;

    public ValueTask AddAsync(ExportJob job, CancellationToken cancellationToken) => inner.AddAsync(job, cancellationToken);

    public ValueTask<ExportJob?> GetAsync(string appId, string exportId, CancellationToken cancellationToken) =>
        inner.GetAsync(appId, exportId, cancellationToken);

    public ValueTask<ExportPage> ListAsync(string appId, int limit, int page, ExportListOrder order, CancellationToken cancellationToken) =>
        inner.ListAsync(appId, limit, page, order, cancellationToken);

    public ValueTask<bool> TryUpdateAsync(ExportJob updated, ExportStatus expected, CancellationToken cancellationToken) =>
        inner.TryUpdateAsync(updated, expected, cancellationToken);

    public ValueTask<bool> RemoveAsync(string appId, string exportId, CancellationToken cancellationToken) =>
        inner.RemoveAsync(appId, exportId, cancellationToken);

    public ValueTask<ExportClaim?> TryClaimAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        inner.TryClaimAsync(owner, now, leaseDuration, cancellationToken);

    public async ValueTask<bool> TryRenewAsync(
        ExportLease lease, DateTimeOffset now, TimeSpan leaseDuration, ExportProgress progress, CancellationToken cancellationToken)
    {
        await hook(HookPoint.BeforeRenew, null);
        return await inner.TryRenewAsync(lease, now, leaseDuration, progress, cancellationToken);
    }

    public async ValueTask<bool> TryFinishAsync(ExportJob updated, ExportLease lease, CancellationToken cancellationToken)
    {
        await hook(HookPoint.BeforeFinish, null);
        bool finished = await inner.TryFinishAsync(updated, lease, cancellationToken);
        await hook(finished ? HookPoint.AfterFinish : HookPoint.FinishRefused, null);

        return finished;
    }

    public ValueTask ReleaseAsync(ExportLease lease, CancellationToken cancellationToken) => inner.ReleaseAsync(lease, cancellationToken);

    public async ValueTask<bool> TryCommitChunkAsync(ExportLease lease, ChunkInfo chunk, CancellationToken cancellationToken)
    {
        bool recorded = await inner.TryCommitChunkAsync(lease, chunk, cancellationToken);
        await hook(recorded ? HookPoint.AfterRecord : HookPoint.RecordRefused, chunk);

        return recorded;
    }

    public bool RunsRangeTasks => inner.RunsRangeTasks;

    public ValueTask<IReadOnlyList<ExportJob>?> TryAddRangeTasksAsync(ExportLease parent, IReadOnlyList<ExportJob> tasks, CancellationToken cancellationToken) =>
        inner.TryAddRangeTasksAsync(parent, tasks, cancellationToken);

    public ValueTask<IReadOnlyList<ExportJob>> GetRangeTasksAsync(string parentId, CancellationToken cancellationToken) =>
        inner.GetRangeTasksAsync(parentId, cancellationToken);

    public ValueTask<ExportClaim?> TryClaimRangeTaskAsync(
        string parentId, string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        inner.TryClaimRangeTaskAsync(parentId, owner, now, leaseDuration, cancellationToken);

    public ValueTask<IReadOnlyList<ChunkInfo>> GetChunksAsync(string exportId, CancellationToken cancellationToken) =>
        inner.GetChunksAsync(exportId, cancellationToken);

    public Task ListenAsync(Action changed, CancellationToken cancellationToken) =>
        inner is IExportChangeFeed feed ? feed.ListenAsync(changed, cancellationToken) : Task.Delay(Timeout.Infinite, cancellationToken);
}
