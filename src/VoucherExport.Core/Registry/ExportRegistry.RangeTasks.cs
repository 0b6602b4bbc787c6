using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Registry;

// Range tasks (docs/scale.md): one export split into created_at ranges, each a hidden job any registry sharing the store
// claims, resumes and fences like an export; the registry holding the export itself coordinates them and publishes their
// chunks, task by task, as one chunk sequence with one manifest.
public sealed partial class ExportRegistry
{
    /// <summary>
    /// The export's range tasks: those stored already (an earlier coordinator split it), or a new split when the store runs
    /// range tasks, <see cref="ExportRegistryOptions.RangeTasks"/> asks for more than one, the source can split, and no
    /// attempt has begun the export whole. Null: the export runs whole.
    /// </summary>
    private async Task<IReadOnlyList<ExportJob>?> SplitAsync(
        ExportClaim claim, ExportRequest request, ExportRun run, CancellationToken cancellationToken)
    {
        if (!_store.RunsRangeTasks || claim.Job.RangeTask is not null)
        {
            return null;
        }

        string exportId = claim.Job.Export.Id;
        IReadOnlyList<ExportJob> stored = await _store.GetRangeTasksAsync(exportId, cancellationToken).ConfigureAwait(false);
        if (stored.Count > 0)
        {
            return stored;
        }

        if (_options.RangeTasks == 1 || _source is not ITransactionRangeSplitter splitter || run.Committed.Count > 0)
        {
            return null;
        }

        // The bounds come from the rows this export selects (its filters, as of its first start), not the whole table.
        ExportParameters parameters = claim.Job.Export.Parameters;
        FilterSet? filters = await FilterCompiler.ResolveVoucherCodesAsync(parameters.Filters, _vouchers, cancellationToken).ConfigureAwait(false);
        var query = new TransactionQuery(filters, parameters.Order, request.Time.GetUtcNow()) { AsOf = request.AsOf };
        IReadOnlyList<DateTimeOffset> bounds = await splitter.SplitAsync(query, _options.RangeTasks, cancellationToken).ConfigureAwait(false);
        if (bounds.Count == 0)
        {
            return null;
        }

        var tasks = new ExportJob[bounds.Count + 1];
        bool descending = parameters.Order == ExportOrder.CreatedAtDescending;
        for (int i = 0; i < tasks.Length; i++)
        {
            // Ranges ascend in time; task numbers follow the export's order, so task 1 holds the rows written first.
            int number = descending ? tasks.Length - i : i + 1;
            var range = new ExportRange
            {
                Task = number,
                From = i == 0 ? null : bounds[i - 1],
                Before = i == bounds.Count ? null : bounds[i],
            };
            string id = $"{exportId}-t{number:D5}";
            tasks[number - 1] = claim.Job with
            {
                Export = claim.Job.Export with { Id = id, Status = ExportStatus.Scheduled, Progress = null, Result = null, Error = null },
                RangeTask = new ExportRangeTask(exportId, range, request.Time.GetUtcNow(), request.AsOf),
            };
        }

        IReadOnlyList<ExportJob>? added = await _store.TryAddRangeTasksAsync(run.Lease, tasks, cancellationToken).ConfigureAwait(false);
        if (added is null)
        {
            run.LeaseLost = true;
            throw new ExportLeaseLostException();
        }

        LogSplit(_logger, exportId, claim.Job.AppId, added.Count);
        return added;
    }

    /// <summary>
    /// Runs the export's range tasks to the end — this worker claims and runs them one by one while any is free, and
    /// otherwise waits for other registries' — then publishes every task's chunks, in task order, with one manifest.
    /// </summary>
    private async Task<ExportResult> CoordinateAsync(
        ExportClaim claim, ExportRequest request, IChunkSinkFactory sinks, ExportRun run, CancellationToken cancellationToken)
    {
        string exportId = claim.Job.Export.Id;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Taken before reading the store, so a change made after the read still wakes the wait below.
            Task changed = Volatile.Read(ref _changed).Task;
            ExportClaim? mine = await _store.TryClaimRangeTaskAsync(
                exportId, run.Lease.Owner, _time.GetUtcNow(), _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            if (mine is not null)
            {
                await RunClaimAsync(mine, cancellationToken).ConfigureAwait(false);
                continue;
            }

            IReadOnlyList<ExportJob> tasks = await _store.GetRangeTasksAsync(exportId, cancellationToken).ConfigureAwait(false);
            if (tasks.Count == 0)
            {
                // Removed with the export.
                run.LeaseLost = true;
                throw new ExportLeaseLostException();
            }

            run.Report(ProgressOf(tasks));
            if (tasks.FirstOrDefault(t => t.Export.Status == ExportStatus.Error) is { } failed)
            {
                throw new RangeTaskFailedException(failed.Export.Error ?? ExportErrors.From(new InvalidOperationException("a range task failed")));
            }

            if (tasks.All(t => t.Export.Status == ExportStatus.Done))
            {
                return await PublishAsync(claim, request, sinks, run, tasks, cancellationToken).ConfigureAwait(false);
            }

            using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task delay = Task.Delay(_poll, _time, poll.Token);
            await Task.WhenAny(changed, delay).ConfigureAwait(false);
            await poll.CancelAsync().ConfigureAwait(false);
            await delay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<ExportResult> PublishAsync(
        ExportClaim claim, ExportRequest request, IChunkSinkFactory sinks, ExportRun run, IReadOnlyList<ExportJob> tasks,
        CancellationToken cancellationToken)
    {
        var chunks = new List<ChunkInfo>();
        long skipped = 0;
        foreach (ExportJob task in tasks)
        {
            ExportResultInfo result = task.Export.Result!;
            chunks.AddRange(result.Chunks.Select(c => c.Info));
            skipped += result.SkippedRows;
        }

        if (chunks.Count == 0)
        {
            // No task found a row (the rows the split saw are gone): the whole export runs, and gets its one empty chunk.
            return await RunWithRetriesAsync(request, sinks, run, cancellationToken).ConfigureAwait(false);
        }

        IChunkSink sink = sinks.Create(claim.Job.Export.Id);
        ExportObject done = ExportEngine.Finish(claim.Job.Export, sink, chunks, skipped);
        await ExportEngine.PublishManifestAsync(sink, done, cancellationToken).ConfigureAwait(false);
        return new ExportResult(done);
    }

    private static ExportProgress ProgressOf(IReadOnlyList<ExportJob> tasks)
    {
        long rows = 0, bytes = 0;
        int chunks = 0;
        foreach (ExportJob task in tasks)
        {
            if (task.Export.Result is { } result)
            {
                rows += result.Rows;
                bytes += result.Bytes;
                chunks += result.Chunks.Count;
            }
            else if (task.Export.Progress is { } progress)
            {
                rows += progress.Rows;
                bytes += progress.Bytes;
                chunks += progress.Chunks;
            }
        }

        return new ExportProgress(rows, bytes, chunks)
        {
            Phase = ExportPhase.Writing,
            PhaseDone = rows,
            PhaseUnit = ProgressUnit.Rows,
        };
    }

    /// <summary>The first characters of every chunk name of a range task (<c>part-00003-</c>).</summary>
    private static string NamePrefix(ExportRangeTask task) => ChunkNames.Stem(1, task.Range.Task)[..11];

    /// <summary>A range task stores its chunks beside its export's, under the export's id.</summary>
    private sealed class RangeTaskSinks(IChunkSinkFactory inner, string exportId) : IChunkSinkFactory
    {
        public IChunkSink Create(string id) => inner.Create(exportId);

        public void CheckLimits(ChunkLimits limits) => inner.CheckLimits(limits);
    }

    /// <summary>A range task ended in <c>ERROR</c>: the export ends with its error.</summary>
    private sealed class RangeTaskFailedException(VoucherifyError error) : Exception(error.Message)
    {
        public VoucherifyError Error { get; } = error;
    }
}
