using VoucherExport.Chunks;

namespace VoucherExport.Registry;

/// <summary>
/// Where the registry keeps its exports. Updates are compare-and-set on the status, so two workers can never both move
/// the same export, and a final state can never be overwritten. Workers take exports by claiming them: a claim holds a
/// lease that the worker renews while it runs, and a run's writes are refused once its lease was taken over.
/// </summary>
public interface IExportStore
{
    /// <summary>
    /// Whether exports outlive this process and other registries may run them (a database). A registry that shuts down
    /// hands its running exports back to such a store instead of failing them, and leaves scheduled ones scheduled.
    /// </summary>
    bool IsShared { get; }

    /// <summary>Adds a new export; its id must be new.</summary>
    ValueTask AddAsync(ExportJob job, CancellationToken cancellationToken);

    /// <summary>The export <paramref name="exportId"/> of <paramref name="appId"/>, or null when that application has none.</summary>
    ValueTask<ExportJob?> GetAsync(string appId, string exportId, CancellationToken cancellationToken);

    /// <summary>A page (1-based) of the application's exports in <paramref name="order"/>.</summary>
    ValueTask<ExportPage> ListAsync(string appId, int limit, int page, ExportListOrder order, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the export with <paramref name="updated"/> if its stored status is still <paramref name="expected"/> and the
    /// move is allowed by <see cref="ExportStateMachine"/>; returns whether it did.
    /// </summary>
    ValueTask<bool> TryUpdateAsync(ExportJob updated, ExportStatus expected, CancellationToken cancellationToken);

    /// <summary>Removes the export; returns whether it existed.</summary>
    ValueTask<bool> RemoveAsync(string appId, string exportId, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the oldest export that is <c>SCHEDULED</c>, or <c>IN_PROGRESS</c> with a lease that ran out by
    /// <paramref name="now"/> (its worker died): it becomes <c>IN_PROGRESS</c>, held by <paramref name="owner"/> until
    /// <paramref name="now"/> + <paramref name="leaseDuration"/>. Null when there is nothing to claim. Two claims never
    /// get the same export while its lease holds.
    /// </summary>
    ValueTask<ExportClaim?> TryClaimAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>
    /// Extends <paramref name="lease"/> to <paramref name="now"/> + <paramref name="leaseDuration"/> and stores the run's
    /// <paramref name="progress"/>; false when the lease is no longer held (taken over, export deleted or final).
    /// </summary>
    ValueTask<bool> TryRenewAsync(
        ExportLease lease, DateTimeOffset now, TimeSpan leaseDuration, ExportProgress progress, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the running export with <paramref name="updated"/> (normally <c>DONE</c> or <c>ERROR</c>) if
    /// <paramref name="lease"/> still holds it; returns whether it did. A worker that lost its lease can never finish.
    /// </summary>
    ValueTask<bool> TryFinishAsync(ExportJob updated, ExportLease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Gives the export back while it is <c>IN_PROGRESS</c>: its lease ends now, so the next claim restarts it. Does
    /// nothing when <paramref name="lease"/> no longer holds it.
    /// </summary>
    ValueTask ReleaseAsync(ExportLease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Whether this store keeps chunk records (<see cref="TryCommitChunkAsync"/>), so that an export resumes after its
    /// committed chunks. A store that does not (the default) makes every attempt start from nothing, removing what an
    /// earlier attempt stored.
    /// </summary>
    bool KeepsChunks => false;

    /// <summary>
    /// Records <paramref name="chunk"/> as committed — the commit point of a chunk: the next attempt keeps it and goes on
    /// after its last record — if <paramref name="lease"/> still holds the export and the chunk is the next in order.
    /// False when it does not (a stale attempt's commit is refused). Only called when <see cref="KeepsChunks"/>.
    /// </summary>
    ValueTask<bool> TryCommitChunkAsync(ExportLease lease, ChunkInfo chunk, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} keeps no chunk records");

    /// <summary>The chunks recorded as committed for the export, in order (empty when none, or when the store keeps none).</summary>
    ValueTask<IReadOnlyList<ChunkInfo>> GetChunksAsync(string exportId, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<ChunkInfo>>([]);

    /// <summary>
    /// Whether this store runs range tasks: an export split into <c>created_at</c> ranges, each a hidden job that any
    /// registry sharing the store may claim (docs/scale.md). The default is false: exports run whole.
    /// </summary>
    bool RunsRangeTasks => false;

    /// <summary>
    /// Stores <paramref name="tasks"/> as the range tasks of the export <paramref name="parent"/> holds, unless it has
    /// some already; returns the tasks it has afterwards, in order (an export is split once: a second coordinator gets
    /// the first one's tasks, never a second set). Null when <paramref name="parent"/> no longer holds the export.
    /// Hidden from <see cref="GetAsync"/> and <see cref="ListAsync"/>; removed with their export.
    /// </summary>
    ValueTask<IReadOnlyList<ExportJob>?> TryAddRangeTasksAsync(ExportLease parent, IReadOnlyList<ExportJob> tasks, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} runs no range tasks");

    /// <summary>The range tasks of export <paramref name="parentId"/>, in task order, as stored now (empty: not split).</summary>
    ValueTask<IReadOnlyList<ExportJob>> GetRangeTasksAsync(string parentId, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<ExportJob>>([]);

    /// <summary>
    /// Claims one range task of export <paramref name="parentId"/> that may run (as <see cref="TryClaimAsync"/> does for any
    /// job): the coordinator of a split export works its own tasks too, so it finishes even alone. Null when none.
    /// </summary>
    ValueTask<ExportClaim?> TryClaimRangeTaskAsync(
        string parentId, string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ExportClaim?>(null);
}
