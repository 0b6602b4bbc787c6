using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Telemetry;
using VoucherExport.Transactions;

namespace VoucherExport.Registry;

/// <summary>
/// Runs one claim of an export to its end, for <see cref="ExportRegistry"/>'s workers: claim → heartbeat → attempts
/// (retried by <see cref="TransientRetry"/>) → chunk commits → final state, each step a move of the run's
/// <see cref="ExportRunState"/>. A split export's claim coordinates its range tasks instead: it runs
/// them here, waits for other registries', and publishes their chunks, in task order, as one chunk sequence with one
/// manifest.
/// </summary>
/// <remarks>
/// The registry owns the runs in progress (<c>runs</c>: get, cancel, delete and wait read them), the change feed
/// (<c>changed</c>, <c>pulse</c>) and the completion listeners (<c>notify</c>); the runner only uses them.
/// </remarks>
internal sealed class ExportRunner
{
    private readonly IExportStore _store;
    private readonly ITransactionSource _source;
    private readonly IChunkSinkFactory _sinks;
    private readonly IVoucherDirectory _vouchers;
    private readonly ExportRegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ExportRun> _runs;
    private readonly CancellationToken _shutdown;
    private readonly TimeSpan _poll;
    private readonly Func<Task> _changed;
    private readonly Action _pulse;
    private readonly Action<ExportJob> _notify;
    private readonly TransientRetry _runRetry;
    private readonly TransientRetry _cleanupRetry;
    private readonly TransientRetry _finalRetry;

    /// <summary>
    /// A runner over the registry's parts. <paramref name="changed"/> gives the task the next change completes (taken
    /// before reading the store); <paramref name="pulse"/> completes it; <paramref name="notify"/> tells the completion
    /// listeners of an export's end.
    /// </summary>
    public ExportRunner(
        IExportStore store,
        ITransactionSource source,
        IChunkSinkFactory sinks,
        IVoucherDirectory vouchers,
        ExportRegistryOptions options,
        TimeProvider time,
        ILogger logger,
        ConcurrentDictionary<string, ExportRun> runs,
        CancellationToken shutdown,
        TimeSpan poll,
        Func<Task> changed,
        Action pulse,
        Action<ExportJob> notify)
    {
        _store = store;
        _source = source;
        _sinks = sinks;
        _vouchers = vouchers;
        _options = options;
        _time = time;
        _logger = logger;
        _runs = runs;
        _shutdown = shutdown;
        _poll = poll;
        _changed = changed;
        _pulse = pulse;
        _notify = notify;
        _runRetry = TransientRetry.ForRuns(options.Retry, time);
        _cleanupRetry = TransientRetry.ForCleanup(options.Retry, time);
        _finalRetry = TransientRetry.ForFinalState(options.Retry, time);
    }

    /// <summary>The key of the error an export cancelled (by an operator, a delete or a shutdown) ends with.</summary>
    public const string CancelledKey = "export_cancelled";

    /// <summary>The error of an export the registry's shutdown ended.</summary>
    public static VoucherifyError ShutdownError { get; } =
        new(503, CancelledKey, "Export cancelled", "the registry shut down before the export finished");

    /// <summary>The error of an export an operator cancelled.</summary>
    public static VoucherifyError OperatorCancelled { get; } =
        new(409, CancelledKey, "Export cancelled", "an operator cancelled the export before it finished");

    /// <summary>The export ended in <c>ERROR</c> with <paramref name="error"/>.</summary>
    public static ExportObject Failed(ExportObject export, VoucherifyError error) =>
        export with { Status = ExportStatus.Error, Progress = null, Result = null, Error = error };

    /// <summary>Runs <paramref name="claim"/> to its end; never throws (a store fault leaves the lease to run out).</summary>
    public async Task RunClaimAsync(ExportClaim claim, CancellationToken coordinator = default)
    {
        string exportId = claim.Job.Export.Id;
        using IDisposable? scope = _logger.BeginScope(new ExportLogScope(exportId, claim.Job.AppId));
        long waited = (long)Math.Max(0, (_time.GetUtcNow() - claim.Job.Export.CreatedAt).TotalMilliseconds);
        if (claim.Lease.Attempt > 1)
        {
            ExportLog.LogResumed(_logger, exportId, claim.Job.AppId, claim.Lease.Owner, claim.Lease.Attempt);
        }
        else
        {
            ExportLog.LogClaimed(_logger, exportId, claim.Job.AppId, claim.Lease.Owner, waited);
        }

        var run = new ExportRun(claim.Lease) { StartedTimestamp = _time.GetTimestamp() };
        _runs[exportId] = run;
        _pulse();
        ExportObject? final = null;
        // A range task run by its export's coordinator stops with the coordinator (a cancelled or deleted export).
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation.Token, _shutdown, coordinator);
        using var heartbeatStop = new CancellationTokenSource();
        Task heartbeat = Task.CompletedTask;
        try
        {
            if (_store.KeepsChunks)
            {
                // The chunks earlier attempts recorded are kept as stored; this attempt goes on after the last of them.
                run.Committed.AddRange(await _store.GetChunksAsync(exportId, linked.Token).ConfigureAwait(false));
            }

            ExportRangeTask? task = claim.Job.RangeTask;
            if (task is not null)
            {
                // A range task's chunks live beside its export's: only its own uncommitted uploads go.
                if (claim.Lease.Attempt > 1)
                {
                    await _sinks.Create(task.ParentId).DeleteUncommittedAsync(NamePrefix(task), linked.Token).ConfigureAwait(false);
                }
            }
            else if (_store.RunsRangeTasks && (await _store.GetRangeTasksAsync(exportId, linked.Token).ConfigureAwait(false)).Count > 0)
            {
                // A split export taken over: its tasks keep what they committed; this claim coordinates them again.
            }
            else if (claim.Lease.Attempt > 1 && run.Committed.Count == 0)
            {
                // Taken over with nothing recorded: the previous attempt may have left chunks; this attempt starts from nothing.
                await _sinks.Create(exportId).DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else if (run.Committed.Count > 0)
            {
                // What the previous attempt left uncommitted goes; an upload it still had open can no longer complete.
                await _sinks.Create(exportId).DeleteUncommittedAsync(linked.Token).ConfigureAwait(false);
                ExportLog.LogResumedAfter(_logger, exportId, claim.Job.AppId, run.Committed.Count, run.Committed.Sum(c => c.Rows));
            }

            heartbeat = HeartbeatAsync(run, heartbeatStop.Token);
            final = await ExecuteAsync(claim, run, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store failed while the run ended; its lease runs out and another claim finishes the export.
            run.MoveTo(ExportRunState.Abandoned);
            final = null;
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            run.Completion.TrySetResult(final);
            _runs.TryRemove(exportId, out _);
            _pulse();
        }
    }

    private async Task HeartbeatAsync(ExportRun run, CancellationToken stop)
    {
        while (true)
        {
            await Task.Delay(_options.HeartbeatInterval, _time, stop).ConfigureAwait(false);
            DateTimeOffset now = _time.GetUtcNow();
            bool? renewed;
            try
            {
                renewed = await RenewAsync(run, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                renewed = null;
            }

            // Not renewed, or the store cannot be reached and the lease would run out before the next try: another
            // worker may claim the export any moment, so this run must stop writing now.
            if (renewed == false || (renewed is null && now + _options.HeartbeatInterval >= run.Lease.ExpiresAt))
            {
                run.LeaseLost = true;
                await run.Cancellation.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private async ValueTask<bool> RenewAsync(ExportRun run, CancellationToken cancellationToken)
    {
        if (run.LeaseLost)
        {
            return false;
        }

        DateTimeOffset now = _time.GetUtcNow();
        ExportLease lease = run.Lease;
        if (await _store.TryRenewAsync(lease, now, _options.LeaseDuration, run.Latest, cancellationToken).ConfigureAwait(false))
        {
            run.Lease = lease with { ExpiresAt = now + _options.LeaseDuration };
            return true;
        }

        run.LeaseLost = true;
        return false;
    }

    private async Task<ExportObject> ExecuteAsync(ExportClaim claim, ExportRun run, CancellationToken cancellationToken)
    {
        ExportJob running = claim.Job;
        ExportRangeTask? task = running.RangeTask;
        var request = new ExportRequest
        {
            Export = running.Export,
            Csv = running.Csv,
            Chunks = running.Chunks,
            Sort = _options.Sort,
            Parallelism = _options.Parallelism,
            Vouchers = _vouchers,
            // A range task runs with its export's first start, so all tasks agree on relative dates and the as-of point.
            Time = new PinnedClock(task?.StartedAt ?? claim.StartedAt),

            // The rows of the export are fixed at its first start, so an attempt that resumes, or runs after a takeover,
            // can neither gain nor lose rows (docs/resume.md says what this assumes of late commits).
            AsOf = task is not null ? task.AsOf : (_options.RowsAsOfFirstStart ?? _store.IsShared) ? claim.StartedAt : null,
            Range = task?.Range,
            ChunkCommitted = _store.KeepsChunks ? (chunk, ct) => CommitChunkAsync(run, chunk, ct) : null,
        };

        var sinks = new LeaseFencedSinkFactory(task is null ? _sinks : new RangeTaskSinks(_sinks, task.ParentId), ct => RenewAsync(run, ct));
        using var telemetry = ExportTelemetryScope.Start(running, claim.Lease.Attempt, _time);
        ExportJob final;
        try
        {
            // Split (or found split by an earlier claim), the export's tasks are coordinated; otherwise it runs whole. A
            // transient fault in either is retried like a fault of the engine.
            bool? split = null;
            ExportResult result = await RunWithRetriesAsync(request, sinks, run, cancellationToken, async (attempt, ct) =>
            {
                if (split ??= await SplitAsync(claim, attempt, run, ct).ConfigureAwait(false) is not null)
                {
                    run.MoveTo(ExportRunState.Coordinating);
                    return await CoordinateAsync(claim, attempt, sinks, run, ct).ConfigureAwait(false);
                }

                return await ExportEngine.RunAsync(attempt, _source, sinks, run, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);

            final = running with { Export = result.Export };
            telemetry.Done(result.Result);
        }
        catch (RangeTaskFailedException failed)
        {
            final = running with { Export = Failed(running.Export, failed.Error) };
            telemetry.Failed(failed.Error);
        }
        catch (ExportLeaseLostException)
        {
            return await LeaseLostAsync(run, running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (run.LeaseLost)
            {
                return await LeaseLostAsync(run, running).ConfigureAwait(false);
            }

            if (!run.Deleted && !run.CancelledByOperator && _store.IsShared && (_shutdown.IsCancellationRequested || task is not null))
            {
                // Another registry sharing the store finishes it; the engine has already removed this run's files. A range
                // task stopped with its coordinator is handed back the same way: it fails only with its export.
                await _store.ReleaseAsync(run.Lease, CancellationToken.None).ConfigureAwait(false);
                run.MoveTo(ExportRunState.HandedBack);
                return running.Export;
            }

            final = running with { Export = Failed(running.Export, Cancelled(run)) };
            telemetry.Failed(final.Export.Error!);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            VoucherifyError error = ExportErrors.From(ex);
            if (run.Attempts > 1)
            {
                error = error with { Details = $"{error.Details} (gave up after {run.Attempts} attempts)" };
            }

            final = running with { Export = Failed(running.Export, error) };
            telemetry.Failed(error);
        }

        // A store that fails here throws out of the run: the export stays IN_PROGRESS until its lease runs out, and the
        // next claim starts it again from nothing. Writing ERROR instead could hide a DONE that the store did record.
        run.MoveTo(ExportRunState.Finishing);
        if (await FinishAsync(final, run).ConfigureAwait(false))
        {
            run.MoveTo(final.Export.Status == ExportStatus.Done ? ExportRunState.Done : ExportRunState.Failed);
            if (final.Export.Status == ExportStatus.Done)
            {
                ExportResultInfo info = final.Export.Result!;
                ExportLog.LogDone(_logger, final.Export.Id, final.AppId, info.Rows, info.Bytes, info.Chunks.Count, Elapsed(run));
            }
            else if (task is null)
            {
                // The engine skips its clean-up when the store cannot confirm the lease; the export is final and this
                // run's now, so nothing of it may stay visible. (A failed range task's chunks go with its export.)
                try
                {
                    await _sinks.Create(final.Export.Id).DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    ExportLog.LogCleanupFailed(_logger, ex, final.Export.Id);
                }

                VoucherifyError error = final.Export.Error!;
                ExportProgress reached = run.Latest;
                if (error.Key == CancelledKey)
                {
                    ExportLog.LogCancelled(_logger, final.Export.Id, final.AppId, error.Details, reached.Rows, reached.Bytes, Elapsed(run));
                }
                else
                {
                    ExportLog.LogFailed(_logger, final.Export.Id, final.AppId, error.Key, error.Details, reached.Rows, reached.Bytes, Elapsed(run));
                }
            }

            if (task is null)
            {
                _notify(final);
            }

            return final.Export;
        }

        // Refused: the claim was lost meanwhile.
        ExportObject after = final.Export.Status == ExportStatus.Done
            ? await AfterLostLeaseAsync(running).ConfigureAwait(false)
            : final.Export;
        run.MoveTo(ExportRunState.LeaseLost);
        return after;
    }

    private async Task<ExportObject> LeaseLostAsync(ExportRun run, ExportJob running)
    {
        ExportObject after = await AfterLostLeaseAsync(running).ConfigureAwait(false);
        run.MoveTo(ExportRunState.LeaseLost);
        return after;
    }

    /// <summary>Runs the export, again from nothing after each transient fault, as <see cref="ExportRegistryOptions.Retry"/> says.</summary>
    private async Task<ExportResult> RunWithRetriesAsync(
        ExportRequest request, IChunkSinkFactory sinks, ExportRun run, CancellationToken cancellationToken,
        Func<ExportRequest, CancellationToken, Task<ExportResult>>? attemptRun = null)
    {
        return await _runRetry.RunAsync(
            attempt =>
            {
                run.Attempts = attempt;
                run.MoveTo(ExportRunState.Running);
                ExportRequest attemptRequest = run.Committed.Count == 0
                    ? request
                    : request with { Resume = new ExportResumePoint([.. run.Committed]) };
                return attemptRun is not null
                    ? attemptRun(attemptRequest, cancellationToken)
                    : ExportEngine.RunAsync(attemptRequest, _source, sinks, run, cancellationToken);
            },
            async (ex, attempt, delay) =>
            {
                run.MoveTo(ExportRunState.Retrying);
                ExportProgress reached = run.Latest;
                ExportLog.LogRetried(_logger, ex, request.Export.Id, run.Lease.AppId, attempt, _runRetry.MaxAttempts, reached.Rows, reached.Bytes, delay);

                if (request.ChunkCommitted is null)
                {
                    // The engine removed what the attempt wrote unless the store could not confirm the lease then; a
                    // retry must start clean, so it removes again once the lease is confirmed.
                    await DeleteOwnFilesAsync(request.Export.Id, run, cancellationToken).ConfigureAwait(false);
                }

                // With chunk records the next run goes on after the chunks recorded so far, as the store has them: a
                // record written though its write reported a fault is there, and is not written again. A chunk stored
                // but not recorded is written again under its name with the same bytes, which the sink keeps as stored.
                if (request.ChunkCommitted is not null)
                {
                    await RereadCommittedAsync(request.Export.Id, run, cancellationToken).ConfigureAwait(false);
                }

                run.Report(default);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run's committed chunks read again from the store; kept as they are when the store cannot be read now.</summary>
    private async Task RereadCommittedAsync(string exportId, ExportRun run, CancellationToken cancellationToken)
    {
        try
        {
            IReadOnlyList<ChunkInfo> recorded = await _store.GetChunksAsync(exportId, cancellationToken).ConfigureAwait(false);
            if (recorded.Count >= run.Committed.Count)
            {
                run.Committed.Clear();
                run.Committed.AddRange(recorded);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            // The next record is then refused as out of order and the run ends as a lost lease; the next claim reads again.
        }
    }

    /// <summary>
    /// Records a chunk the sink committed: the registry row is the commit point. Refused when this run no longer holds
    /// its lease (another attempt owns the export now), which stops the run.
    /// </summary>
    private async ValueTask CommitChunkAsync(ExportRun run, ChunkInfo chunk, CancellationToken cancellationToken)
    {
        if (run.LeaseLost || !await _store.TryCommitChunkAsync(run.Lease, chunk, cancellationToken).ConfigureAwait(false))
        {
            run.LeaseLost = true;
            throw new ExportLeaseLostException();
        }

        run.Committed.Add(chunk);
    }

    /// <summary>Removes what this run stored, after confirming it still holds the export; store faults that pass are retried.</summary>
    private async Task DeleteOwnFilesAsync(string exportId, ExportRun run, CancellationToken cancellationToken)
    {
        await _cleanupRetry.RunAsync(
            async _ =>
            {
                if (!await RenewAsync(run, cancellationToken).ConfigureAwait(false))
                {
                    throw new ExportLeaseLostException();
                }

                await _sinks.Create(exportId).DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records the final state, retrying store faults that pass; false when the lease was lost.</summary>
    private async Task<bool> FinishAsync(ExportJob final, ExportRun run)
    {
        return await _finalRetry.RunAsync(
            _ => _store.TryFinishAsync(final, run.Lease, CancellationToken.None).AsTask(),
            (ex, attempt, _) =>
            {
                ExportLog.LogStoreRetrying(_logger, ex, final.Export.Id, attempt, _finalRetry.MaxAttempts);
                return Task.CompletedTask;
            },
            _shutdown).ConfigureAwait(false);
    }

    // The run no longer holds the export. If the export was deleted, or ended ERROR without it (cancelled by an operator on
    // another instance), nothing it published may outlive it; if another worker took it over, the files are that worker's
    // now and are left alone.
    private async Task<ExportObject> AfterLostLeaseAsync(ExportJob running)
    {
        if (running.RangeTask is { } task)
        {
            // A range task's files are its export's: they go only when that export is gone or failed.
            ExportJob? export = await _store.GetAsync(running.AppId, task.ParentId, CancellationToken.None).ConfigureAwait(false);
            if (export is null || export.Export.Status == ExportStatus.Error)
            {
                await _sinks.Create(task.ParentId).DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return running.Export;
        }

        ExportJob? now = await _store.GetAsync(running.AppId, running.Export.Id, CancellationToken.None).ConfigureAwait(false);
        if (now is null || now.Export.Status == ExportStatus.Error)
        {
            await _sinks.Create(running.Export.Id).DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
            return now?.Export ?? running.Export;
        }

        return now.Export;
    }

    // Range tasks (docs/scale.md): one export split into created_at ranges, each a hidden job any registry sharing the store
    // claims, resumes and fences like an export; the registry holding the export itself coordinates them and publishes their
    // chunks, task by task, as one chunk sequence with one manifest.
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

        ExportLog.LogSplit(_logger, exportId, claim.Job.AppId, added.Count);
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
            Task changed = _changed();
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

    private long Elapsed(ExportRun run) => (long)_time.GetElapsedTime(run.StartedTimestamp).TotalMilliseconds;

    private static VoucherifyError Cancelled(ExportRun run) => run.Deleted
        ? new VoucherifyError(409, CancelledKey, "Export cancelled", "the export was deleted before it finished")
        : run.CancelledByOperator ? OperatorCancelled : ShutdownError;

    /// <summary>A clock stopped at the export's first start: relative filters of every attempt use that one reading.</summary>
    private sealed class PinnedClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
