namespace VoucherExport.Registry;

/// <summary>The default <see cref="IExportStore"/>: exports live in this process and are gone when it ends.</summary>
public sealed class InMemoryExportStore : IExportStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExportJob> _jobs = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask AddAsync(ExportJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (_gate)
        {
            if (!_jobs.TryAdd(job.Export.Id, job))
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
                _jobs.TryGetValue(exportId, out var job) && job.AppId == appId ? job : null);
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
            mine = [.. _jobs.Values.Where(j => j.AppId == appId).Select(j => j.Export)];
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
            if (!_jobs.TryGetValue(updated.Export.Id, out var current)
                || current.Export.Status != expected
                || !ExportStateMachine.CanMove(expected, updated.Export.Status))
            {
                return ValueTask.FromResult(false);
            }

            _jobs[updated.Export.Id] = updated;
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string appId, string exportId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(
                _jobs.TryGetValue(exportId, out var job) && job.AppId == appId && _jobs.Remove(exportId));
        }
    }
}
