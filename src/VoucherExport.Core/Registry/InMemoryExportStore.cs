using VoucherExport.Chunks;

namespace VoucherExport.Registry;

/// <summary>The default <see cref="IExportStore"/>: exports live in this process and are gone when it ends.</summary>
public sealed class InMemoryExportStore : IExportStore, IExportStoreMonitor
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Entry> _jobs = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>A store whose finish times (<see cref="ExportRecord.UpdatedAt"/>) come from the system clock.</summary>
    public InMemoryExportStore()
        : this(TimeProvider.System)
    {
    }

    /// <summary>A store whose finish times come from <paramref name="time"/> (the registry's clock, so both agree).</summary>
    public InMemoryExportStore(TimeProvider time)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <inheritdoc />
    /// <remarks>False: only registries of this process see these exports, and they end with it.</remarks>
    public bool IsShared => false;

    /// <inheritdoc />
    public ValueTask AddAsync(ExportJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (_gate)
        {
            if (!_jobs.TryAdd(job.Export.Id, new Entry(job, ++_sequence) { UpdatedAt = job.Export.CreatedAt }))
            {
                throw new InvalidOperationException($"export {job.Export.Id} exists already");
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ExportJob?> GetAsync(string appId, string exportId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(
                _jobs.TryGetValue(exportId, out var entry) && entry.Job.AppId == appId ? entry.Job : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<ExportPage> ListAsync(string appId, int limit, int page, ExportListOrder order, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        List<ExportObject> mine;
        lock (_gate)
        {
            mine = [.. _jobs.Values.Where(e => e.Job.AppId == appId).Select(e => e.Job.Export)];
        }

        mine.Sort(ExportListComparer.For(order));
        var slice = mine.Skip((int)Math.Min((long)(page - 1) * limit, int.MaxValue)).Take(limit).ToList();
        return ValueTask.FromResult(new ExportPage(slice, mine.Count));
    }

    /// <inheritdoc />
    public ValueTask<bool> TryUpdateAsync(ExportJob updated, ExportStatus expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updated);
        lock (_gate)
        {
            if (!_jobs.TryGetValue(updated.Export.Id, out var entry)
                || entry.Job.Export.Status != expected
                || !ExportStateMachine.CanMove(expected, updated.Export.Status))
            {
                return ValueTask.FromResult(false);
            }

            entry.Job = updated;
            entry.UpdatedAt = _time.GetUtcNow();
            if (ExportStateMachine.IsFinal(updated.Export.Status))
            {
                entry.Owner = null;
            }

            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string appId, string exportId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(
                _jobs.TryGetValue(exportId, out var entry) && entry.Job.AppId == appId && _jobs.Remove(exportId));
        }
    }

    /// <inheritdoc />
    public ValueTask<ExportClaim?> TryClaimAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        lock (_gate)
        {
            Entry? next = null;
            foreach (Entry entry in _jobs.Values)
            {
                bool claimable = entry.Job.Export.Status == ExportStatus.Scheduled
                    || (entry.Job.Export.Status == ExportStatus.InProgress && entry.ExpiresAt <= now);
                if (claimable && (next is null || (entry.Job.Export.CreatedAt, entry.Sequence).CompareTo((next.Job.Export.CreatedAt, next.Sequence)) < 0))
                {
                    next = entry;
                }
            }

            if (next is null)
            {
                return ValueTask.FromResult<ExportClaim?>(null);
            }

            next.Job = next.Job with { Export = next.Job.Export with { Status = ExportStatus.InProgress, Progress = default(ExportProgress) } };
            next.Owner = owner;
            next.ExpiresAt = now + leaseDuration;
            next.Attempts++;
            next.StartedAt ??= now;
            next.UpdatedAt = now;
            var lease = new ExportLease(next.Job.AppId, next.Job.Export.Id, owner, next.Attempts, next.ExpiresAt);
            return ValueTask.FromResult<ExportClaim?>(new ExportClaim(next.Job, lease, next.StartedAt.Value));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryRenewAsync(
        ExportLease lease, DateTimeOffset now, TimeSpan leaseDuration, ExportProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (!Holds(lease, out var entry))
            {
                return ValueTask.FromResult(false);
            }

            entry.ExpiresAt = now + leaseDuration;
            entry.UpdatedAt = now;
            entry.Job = entry.Job with { Export = entry.Job.Export with { Progress = progress } };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryFinishAsync(ExportJob updated, ExportLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (updated.Export.Id != lease.ExportId || !Holds(lease, out var entry)
                || !ExportStateMachine.CanMove(ExportStatus.InProgress, updated.Export.Status))
            {
                return ValueTask.FromResult(false);
            }

            entry.Job = updated;
            entry.UpdatedAt = _time.GetUtcNow();
            if (ExportStateMachine.IsFinal(updated.Export.Status))
            {
                entry.Owner = null;
            }

            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    /// <remarks>True: chunk records live beside the export, so a retry in this process resumes after them.</remarks>
    public bool KeepsChunks => true;

    /// <inheritdoc />
    public ValueTask<bool> TryCommitChunkAsync(ExportLease lease, ChunkInfo chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(chunk);
        lock (_gate)
        {
            if (!Holds(lease, out var entry) || !ChunkNames.IsNext(chunk.Name, entry.Chunks.Count))
            {
                return ValueTask.FromResult(false);
            }

            entry.Chunks.Add(chunk);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChunkInfo>> GetChunksAsync(string exportId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<ChunkInfo>>(
                _jobs.TryGetValue(exportId, out var entry) ? [.. entry.Chunks] : []);
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(ExportLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (Holds(lease, out var entry))
            {
                entry.Owner = null;
                entry.ExpiresAt = DateTimeOffset.MinValue;
                entry.UpdatedAt = _time.GetUtcNow();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ExportRecord>> ListRecentAsync(
        IReadOnlyCollection<string>? appIds, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        List<ExportRecord> records;
        lock (_gate)
        {
            records = [.. _jobs.Values
                .Where(e => appIds is null || appIds.Contains(e.Job.AppId))
                .OrderByDescending(e => e.Job.Export.CreatedAt).ThenByDescending(e => e.Sequence)
                .Take(limit)
                .Select(e => e.ToRecord())];
        }

        return ValueTask.FromResult<IReadOnlyList<ExportRecord>>(records);
    }

    /// <inheritdoc />
    public ValueTask<ExportStoreOverview> GetOverviewAsync(
        IReadOnlyCollection<string>? appIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        int scheduled = 0, expired = 0;
        DateTimeOffset? oldestScheduled = null, oldestExpired = null, lastActivity = null;
        var running = new SortedDictionary<string, int>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (Entry entry in _jobs.Values)
            {
                if (appIds is not null && !appIds.Contains(entry.Job.AppId))
                {
                    continue;
                }

                lastActivity = lastActivity is { } last && last >= entry.UpdatedAt ? last : entry.UpdatedAt;
                switch (entry.Job.Export.Status)
                {
                    case ExportStatus.Scheduled:
                        scheduled++;
                        oldestScheduled = oldestScheduled is { } o && o <= entry.Job.Export.CreatedAt ? o : entry.Job.Export.CreatedAt;
                        break;
                    case ExportStatus.InProgress when entry.Owner is not null && entry.ExpiresAt > now:
                        string instance = ExportStoreOverview.InstanceOf(entry.Owner);
                        running[instance] = running.GetValueOrDefault(instance) + 1;
                        break;
                    case ExportStatus.InProgress:
                        // Handed back (no owner) counts from the hand-back, as a lease that ran out then.
                        DateTimeOffset ranOut = entry.Owner is null ? entry.UpdatedAt : entry.ExpiresAt;
                        expired++;
                        oldestExpired = oldestExpired is { } x && x <= ranOut ? x : ranOut;
                        break;
                    default:
                        break;
                }
            }
        }

        return ValueTask.FromResult(new ExportStoreOverview(
            scheduled, oldestScheduled, [.. running.Select(r => new InstanceLoad(r.Key, r.Value))], expired, oldestExpired, lastActivity));
    }

    private bool Holds(ExportLease lease, out Entry entry)
    {
        return _jobs.TryGetValue(lease.ExportId, out entry!)
            && entry.Job.Export.Status == ExportStatus.InProgress
            && entry.Owner == lease.Owner
            && entry.Attempts == lease.Attempt;
    }

    private sealed class Entry(ExportJob job, long sequence)
    {
        public ExportJob Job { get; set; } = job;

        public long Sequence { get; } = sequence;

        public string? Owner { get; set; }

        public DateTimeOffset ExpiresAt { get; set; } = DateTimeOffset.MinValue;

        public int Attempts { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset UpdatedAt { get; set; }

        public List<ChunkInfo> Chunks { get; } = [];

        public ExportRecord ToRecord() => new(
            Job,
            Job.Export.Status == ExportStatus.InProgress ? Owner : null,
            Job.Export.Status == ExportStatus.InProgress && Owner is not null ? ExpiresAt : null,
            Attempts,
            StartedAt,
            UpdatedAt);
    }
}
