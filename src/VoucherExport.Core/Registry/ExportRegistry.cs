using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoucherExport.Chunks;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Telemetry;
using VoucherExport.Transactions;

namespace VoucherExport.Registry;

/// <summary>
/// The export registry (SPEC §1): creates exports <c>SCHEDULED</c>, runs them in the background with a bounded
/// number at once, and answers get, list and delete, each application seeing only its own exports.
/// </summary>
/// <remarks>
/// Workers take exports by claiming them from the store (see <see cref="IExportStore.TryClaimAsync"/>), so any number of
/// registries may share one durable store: a create here wakes a local worker at once; exports created elsewhere, and
/// exports whose worker died (its lease ran out), are found by polling. A running export renews its lease every
/// <see cref="ExportRegistryOptions.HeartbeatInterval"/>; a run that lost its lease stops and never writes its result.
/// </remarks>
public sealed partial class ExportRegistry : IAsyncDisposable
{
    private readonly IExportStore _store;
    private readonly ITransactionSource _source;
    private readonly IChunkSinkFactory _sinks;
    private readonly IVoucherDirectory _vouchers;
    private readonly ExportRegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ExportRun> _runs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly string _workerName;
    private readonly Task[] _workers;
    private readonly IExportCompletionListener[] _listeners;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Task, byte> _notifications = new();
    private readonly CancellationTokenSource _notificationsStop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _poll;
    private readonly TransientRetry _runRetry;
    private readonly TransientRetry _cleanupRetry;
    private readonly TransientRetry _finalRetry;
    private readonly Task _feed = Task.CompletedTask;
    private int _disposed;

    /// <summary>A registry over <paramref name="store"/> that reads <paramref name="source"/> and writes to <paramref name="sinks"/>.</summary>
    public ExportRegistry(
        IExportStore store,
        ITransactionSource source,
        IChunkSinkFactory sinks,
        ExportRegistryOptions? options = null,
        IVoucherDirectory? vouchers = null,
        TimeProvider? time = null,
        IEnumerable<IExportCompletionListener>? listeners = null,
        ILogger<ExportRegistry>? logger = null)
    {
        _listeners = listeners?.ToArray() ?? [];
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _sinks = sinks ?? throw new ArgumentNullException(nameof(sinks));
        _options = (options ?? ExportRegistryOptions.Default).Validate();
        _vouchers = vouchers ?? InMemoryVoucherDirectory.Empty;
        _time = time ?? TimeProvider.System;
        _runRetry = TransientRetry.ForRuns(_options.Retry, _time);
        _cleanupRetry = TransientRetry.ForCleanup(_options.Retry, _time);
        _finalRetry = TransientRetry.ForFinalState(_options.Retry, _time);
        // host:pid:random, so a lease owner in the registry says which machine and process runs an export (an operator
        // looking at a stuck export, a test killing one instance), and two registries in one process still differ.
        _workerName = _options.WorkerName
            ?? $"{Environment.MachineName}:{Environment.ProcessId}:{ExportIds.NewId()[4..12]}";
        if (_store is IExportChangeFeed feed)
        {
            // Changes made anywhere wake the workers and the waits at once; polling remains only for leases that ran out.
            _poll = _options.PollInterval > _options.LeaseDuration / 4 ? _options.PollInterval : _options.LeaseDuration / 4;
            _feed = Task.Run(() => feed.ListenAsync(OnStoreChanged, _shutdown.Token));
        }
        else
        {
            _poll = _options.PollInterval;
        }

        _workers = new Task[_options.MaxConcurrentExports];
        for (int i = 0; i < _workers.Length; i++)
        {
            string owner = $"{_workerName}/{i}";
            _workers[i] = Task.Run(() => WorkAsync(owner));
        }
    }

    /// <summary><c>POST /v1/vouchers/{code}/transactions/export</c>: the transactions of one voucher (by code or id).</summary>
    public Task<ExportObject> CreateVoucherTransactionsExportAsync(
        string appId, string voucherCodeOrId, JsonElement? parameters, CancellationToken cancellationToken = default) =>
        CreateAsync(appId, ExportScope.Voucher(voucherCodeOrId), ExportParametersParser.Parse(parameters), null, cancellationToken);

    /// <summary><c>POST /v1/loyalties/{campaignId}/transactions/export</c>: the transactions of one loyalty campaign (id or name).</summary>
    public Task<ExportObject> CreateLoyaltyCampaignTransactionsExportAsync(
        string appId, string campaignId, JsonElement? parameters, CancellationToken cancellationToken = default) =>
        CreateAsync(appId, ExportScope.LoyaltyCampaign(campaignId), ExportParametersParser.Parse(parameters), null, cancellationToken);

    /// <summary><c>POST /v1/campaigns/{id}/transactions/export</c>: the transactions of one campaign.</summary>
    public Task<ExportObject> CreateCampaignTransactionsExportAsync(
        string appId, string campaignId, JsonElement? parameters, CancellationToken cancellationToken = default) =>
        CreateAsync(appId, ExportScope.Campaign(campaignId), ExportParametersParser.Parse(parameters), null, cancellationToken);

    /// <summary><c>POST /v1/loyalties/{campaignId}/members/{memberId}/transactions/export</c>: one member card's transactions.</summary>
    public Task<ExportObject> CreateLoyaltyMemberTransactionsExportAsync(
        string appId, string? campaignId, string memberId, JsonElement? parameters, CancellationToken cancellationToken = default) =>
        CreateAsync(appId, ExportScope.LoyaltyMember(campaignId, memberId), ExportParametersParser.Parse(parameters), null, cancellationToken);

    /// <summary>
    /// <c>POST /v1/exports</c> with a body <c>{ "exported_object": "voucher_transactions", "parameters": {…} }</c>.
    /// </summary>
    public Task<ExportObject> CreateExportAsync(string appId, JsonElement body, CancellationToken cancellationToken = default)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new ExportValidationException(VoucherifyError.InvalidPayload("body", "expected a JSON object"));
        }

        JsonElement? parameters = null;
        string? exported = null;
        foreach (var property in body.EnumerateObject())
        {
            switch (property.Name)
            {
                case "exported_object":
                    exported = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    break;
                case "parameters":
                    parameters = property.Value;
                    break;
                default:
                    throw new ExportValidationException(VoucherifyError.InvalidPayload(property.Name, "unknown property"));
            }
        }

        if (exported != ExportObject.VoucherTransactions)
        {
            // Voucherify's create-export knows these too (exports.json); a client moving over may send any of them.
            string problem = exported switch
            {
                null => "is required",
                "voucher" or "redemption" or "publication" or "customer" or "order" or "points_expiration" or "product" or "sku" =>
                    $"'{exported}' exports are not served here",
                _ => $"'{exported}' is not an exported object",
            };
            throw new ExportValidationException(VoucherifyError.InvalidPayload(
                "exported_object", $"{problem}; this server exports only \"voucher_transactions\""));
        }

        return CreateAsync(appId, ExportScope.All, ExportParametersParser.Parse(parameters), null, cancellationToken);
    }

    /// <summary>
    /// Validates and schedules an export of <paramref name="scope"/>; returns the <c>SCHEDULED</c> export.
    /// A bad request throws <see cref="ExportValidationException"/> and schedules nothing.
    /// </summary>
    public async Task<ExportObject> CreateAsync(
        string appId,
        ExportScope scope,
        ExportParameters parameters,
        ExportCreateOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(parameters);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        options ??= ExportCreateOptions.Default;
        var job = new ExportJob(
            appId,
            new ExportObject
            {
                Id = ExportIds.NewId(),
                CreatedAt = _time.GetUtcNow(),
                Parameters = await scope.ApplyAsync(parameters, _vouchers, cancellationToken).ConfigureAwait(false),
                Channel = options.Channel,
                UserId = options.UserId,
            },
            (options.Csv ?? _options.Csv).Validate(),
            (options.Chunks ?? _options.Chunks).Validate());

        await _store.AddAsync(job, cancellationToken).ConfigureAwait(false);
        LogCreated(_logger, job.Export.Id, appId);
        if (_wake.CurrentCount < _workers.Length)
        {
            _wake.Release();
        }

        return job.Export;
    }

    /// <summary>The export, with live progress while it runs; null when the application has no such export.</summary>
    public async Task<ExportObject?> GetAsync(string appId, string exportId, CancellationToken cancellationToken = default)
    {
        ExportJob? job = await _store.GetAsync(appId, exportId, cancellationToken).ConfigureAwait(false);
        return job is null ? null : WithLiveProgress(job.Export);
    }

    /// <summary>The export as stored, with its CSV dialect and chunk limits (hosts need them to serve downloads).</summary>
    public async Task<ExportJob?> GetJobAsync(string appId, string exportId, CancellationToken cancellationToken = default)
    {
        ExportJob? job = await _store.GetAsync(appId, exportId, cancellationToken).ConfigureAwait(false);
        return job is null ? null : job with { Export = WithLiveProgress(job.Export) };
    }

    /// <summary>The sinks this registry writes exports to.</summary>
    public IChunkSinkFactory Sinks => _sinks;

    /// <summary>A page of the application's exports; <paramref name="limit"/> 1–100, <paramref name="page"/> ≥ 1.</summary>
    public async Task<ExportPage> ListAsync(
        string appId, int limit = 10, int page = 1, ExportListOrder order = ExportListOrder.CreatedAtDescending,
        CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 100)
        {
            throw new ExportValidationException(VoucherifyError.InvalidPayload("limit", "must be between 1 and 100"));
        }

        if (page < 1)
        {
            throw new ExportValidationException(VoucherifyError.InvalidPayload("page", "must be 1 or more"));
        }

        ExportPage result = await _store.ListAsync(appId, limit, page, order, cancellationToken).ConfigureAwait(false);
        return result with { Exports = [.. result.Exports.Select(WithLiveProgress)] };
    }

    /// <summary>Cancels the export if it runs, removes it and deletes its files; false when the application has no such export.</summary>
    public async Task<bool> DeleteAsync(string appId, string exportId, CancellationToken cancellationToken = default)
    {
        ExportJob? job = await _store.GetAsync(appId, exportId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return false;
        }

        if (_runs.TryGetValue(exportId, out var run))
        {
            run.Deleted = true;
            await run.Cancellation.CancelAsync().ConfigureAwait(false);
            await run.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        bool removed = await _store.RemoveAsync(appId, exportId, cancellationToken).ConfigureAwait(false);
        await _sinks.Create(exportId).DeleteAllAsync(cancellationToken).ConfigureAwait(false);
        return removed;
    }

    /// <summary>
    /// Stops the export without removing it: a scheduled or running export ends in <c>ERROR</c> (<c>export_cancelled</c>,
    /// cancelled by an operator) and whatever it stored is removed. False when the application has no such export or it
    /// had ended already (then nothing changes).
    /// </summary>
    /// <remarks>
    /// An export another registry runs is ended in the store; that registry's run finds its lease gone at its next
    /// heartbeat, stops, and removes its files.
    /// </remarks>
    public async Task<bool> CancelAsync(string appId, string exportId, CancellationToken cancellationToken = default)
    {
        // A few rounds: the export may be claimed (or finish) between the read and the compare-and-set.
        for (int round = 0; round < 4; round++)
        {
            ExportJob? job = await _store.GetAsync(appId, exportId, cancellationToken).ConfigureAwait(false);
            if (job is null || ExportStateMachine.IsFinal(job.Export.Status))
            {
                return false;
            }

            if (_runs.TryGetValue(exportId, out var run))
            {
                run.CancelledByOperator = true;
                await run.Cancellation.CancelAsync().ConfigureAwait(false);
                ExportObject? final = await run.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                return final is { Status: ExportStatus.Error, Error.Key: CancelledKey };
            }

            var cancelled = job with { Export = Failed(job.Export, OperatorCancelled) };
            if (await _store.TryUpdateAsync(cancelled, job.Export.Status, cancellationToken).ConfigureAwait(false))
            {
                LogCancelled(_logger, exportId, appId, OperatorCancelled.Details, 0, 0, 0);
                Pulse();
                return true;
            }
        }

        return false;
    }

    /// <summary>Waits until the export is <c>DONE</c> or <c>ERROR</c> and returns it; null when it does not exist.</summary>
    /// <remarks>
    /// An export another registry runs is polled every <see cref="ExportRegistryOptions.PollInterval"/> (on this
    /// registry's clock); one this registry runs is awaited directly.
    /// </remarks>
    public async Task<ExportObject?> WaitAsync(string appId, string exportId, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Taken before reading the store, so a change made after the read still wakes this wait.
            Task changed = Volatile.Read(ref _changed).Task;
            ExportJob? job = await _store.GetAsync(appId, exportId, cancellationToken).ConfigureAwait(false);
            if (job is null || ExportStateMachine.IsFinal(job.Export.Status))
            {
                return job?.Export;
            }

            if (_runs.TryGetValue(exportId, out var run))
            {
                await run.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task delay = Task.Delay(_poll, _time, poll.Token);
            await Task.WhenAny(changed, delay).ConfigureAwait(false);
            await poll.CancelAsync().ConfigureAwait(false);
            await delay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Completes when this registry runs no export (a moment's truth: a new claim may start one).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (!_runs.IsEmpty)
        {
            Task[] pending = [.. _runs.Values.Select(r => (Task)r.Completion.Task)];
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Completes when every completion listener told of an export's end so far has returned (a moment's truth, as
    /// <see cref="WhenIdleAsync"/>: a listener is told before its run counts as finished).
    /// </summary>
    public Task WhenNotifiedAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(_notifications.Keys).WaitAsync(cancellationToken);

    /// <summary>
    /// Stops taking work, cancels running exports and waits for the workers. With a store of this process only, running
    /// and scheduled exports end in <c>ERROR</c> (nobody else could run them); with a shared store they are handed back
    /// (scheduled ones stay scheduled, running ones restart on the next claim) for other registries to finish.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).ConfigureAwait(false);
        await _feed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // Completion listeners (webhooks) of exports that ended before the shutdown are told to stop retrying.
        await _notificationsStop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_notifications.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _notificationsStop.Dispose();
        _shutdown.Dispose();
        _wake.Dispose();
    }

    private ExportObject WithLiveProgress(ExportObject export) =>
        export.Status == ExportStatus.InProgress && _runs.TryGetValue(export.Id, out var run)
            ? export with { Progress = run.Latest }
            : export;

    private void OnStoreChanged()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            if (_wake.CurrentCount < _workers.Length)
            {
                _wake.Release();
            }
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: nobody waits any more.
        }

        Pulse();
    }

    private void Pulse() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task WorkAsync(string owner)
    {
        CancellationToken shutdown = _shutdown.Token;
        while (!shutdown.IsCancellationRequested)
        {
            ExportClaim? claim;
            try
            {
                claim = await _store.TryClaimAsync(owner, _time.GetUtcNow(), _options.LeaseDuration, shutdown).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The store is unreachable for now: what is scheduled stays scheduled there; try again after a pause.
                claim = null;
            }

            if (claim is not null)
            {
                await RunClaimAsync(claim).ConfigureAwait(false);
                continue;
            }

            await WaitForWorkAsync(shutdown).ConfigureAwait(false);
        }

        if (!_store.IsShared)
        {
            // Nobody else can ever run what this process's store holds: end it in ERROR rather than leave it SCHEDULED.
            // A store that fails here gets a few more tries, then is left as it is: shutting down must not throw. A try
            // that fails goes on claiming where the one before stopped, so the faults are counted over all of them.
            TransientRetry retry = TransientRetry.ForShutdown(_options.Retry);
            try
            {
                await retry.RunAsync(
                    async _ =>
                    {
                        while (await _store.TryClaimAsync(owner, _time.GetUtcNow(), _options.LeaseDuration, CancellationToken.None)
                            .ConfigureAwait(false) is { } left)
                        {
                            var failed = left.Job with { Export = Failed(left.Job.Export, ShutdownError) };
                            await _store.TryFinishAsync(failed, left.Lease, CancellationToken.None).ConfigureAwait(false);
                        }
                    },
                    (ex, fault, _) =>
                    {
                        LogShutdownStoreFailed(_logger, ex, fault);
                        return Task.CompletedTask;
                    }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogShutdownStoreFailed(_logger, ex, retry.MaxAttempts);
            }

            Pulse();
        }
    }

    private async Task WaitForWorkAsync(CancellationToken shutdown)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        Task woken = _wake.WaitAsync(wait.Token);
        Task delay = Task.Delay(_poll, _time, wait.Token);
        await Task.WhenAny(woken, delay).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        await woken.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await delay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunClaimAsync(ExportClaim claim, CancellationToken coordinator = default)
    {
        string exportId = claim.Job.Export.Id;
        using IDisposable? scope = _logger.BeginScope(new ExportLogScope(exportId, claim.Job.AppId));
        long waited = (long)Math.Max(0, (_time.GetUtcNow() - claim.Job.Export.CreatedAt).TotalMilliseconds);
        if (claim.Lease.Attempt > 1)
        {
            LogResumed(_logger, exportId, claim.Job.AppId, claim.Lease.Owner, claim.Lease.Attempt);
        }
        else
        {
            LogClaimed(_logger, exportId, claim.Job.AppId, claim.Lease.Owner, waited);
        }

        var run = new ExportRun(claim.Lease) { StartedTimestamp = _time.GetTimestamp() };
        _runs[exportId] = run;
        Pulse();
        ExportObject? final = null;
        // A range task run by its export's coordinator stops with the coordinator (a cancelled or deleted export).
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation.Token, _shutdown.Token, coordinator);
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
                LogResumedAfter(_logger, exportId, claim.Job.AppId, run.Committed.Count, run.Committed.Sum(c => c.Rows));
            }

            heartbeat = HeartbeatAsync(run, heartbeatStop.Token);
            final = await ExecuteAsync(claim, run, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store failed while the run ended; its lease runs out and another claim finishes the export.
            final = null;
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            run.Completion.TrySetResult(final);
            _runs.TryRemove(exportId, out _);
            Pulse();
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
            ExportResult result = await SplitAsync(claim, request, run, cancellationToken).ConfigureAwait(false) is not null
                ? await CoordinateAsync(claim, request, sinks, run, cancellationToken).ConfigureAwait(false)
                : await RunWithRetriesAsync(request, sinks, run, cancellationToken).ConfigureAwait(false);
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
            return await AfterLostLeaseAsync(running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (run.LeaseLost)
            {
                return await AfterLostLeaseAsync(running).ConfigureAwait(false);
            }

            if (!run.Deleted && !run.CancelledByOperator && _store.IsShared && (_shutdown.IsCancellationRequested || task is not null))
            {
                // Another registry sharing the store finishes it; the engine has already removed this run's files. A range
                // task stopped with its coordinator is handed back the same way: it fails only with its export.
                await _store.ReleaseAsync(run.Lease, CancellationToken.None).ConfigureAwait(false);
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
        if (await FinishAsync(final, run).ConfigureAwait(false))
        {
            if (final.Export.Status == ExportStatus.Done)
            {
                ExportResultInfo info = final.Export.Result!;
                LogDone(_logger, final.Export.Id, final.AppId, info.Rows, info.Bytes, info.Chunks.Count, Elapsed(run));
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
                    LogCleanupFailed(_logger, ex, final.Export.Id);
                }

                VoucherifyError error = final.Export.Error!;
                ExportProgress reached = run.Latest;
                if (error.Key == CancelledKey)
                {
                    LogCancelled(_logger, final.Export.Id, final.AppId, error.Details, reached.Rows, reached.Bytes, Elapsed(run));
                }
                else
                {
                    LogFailed(_logger, final.Export.Id, final.AppId, error.Key, error.Details, reached.Rows, reached.Bytes, Elapsed(run));
                }
            }

            if (task is null)
            {
                Notify(final);
            }

            return final.Export;
        }

        return final.Export.Status == ExportStatus.Done
            ? await AfterLostLeaseAsync(running).ConfigureAwait(false)
            : final.Export;
    }

    /// <summary>Runs the export, again from nothing after each transient fault, as <see cref="ExportRegistryOptions.Retry"/> says.</summary>
    private async Task<ExportResult> RunWithRetriesAsync(
        ExportRequest request, IChunkSinkFactory sinks, ExportRun run, CancellationToken cancellationToken)
    {
        return await _runRetry.RunAsync(
            attempt =>
            {
                run.Attempts = attempt;
                ExportRequest attemptRequest = run.Committed.Count == 0
                    ? request
                    : request with { Resume = new ExportResumePoint([.. run.Committed]) };
                return ExportEngine.RunAsync(attemptRequest, _source, sinks, run, cancellationToken);
            },
            async (ex, attempt, delay) =>
            {
                ExportProgress reached = run.Latest;
                LogRetried(_logger, ex, request.Export.Id, run.Lease.AppId, attempt, _runRetry.MaxAttempts, reached.Rows, reached.Bytes, delay);

                if (request.ChunkCommitted is null)
                {
                    // The engine removed what the attempt wrote unless the store could not confirm the lease then; a
                    // retry must start clean, so it removes again once the lease is confirmed.
                    await DeleteOwnFilesAsync(request.Export.Id, run, cancellationToken).ConfigureAwait(false);
                }

                // With chunk records the next run goes on after the chunks recorded so far; a chunk stored but not yet
                // recorded is written again under the same name, with the same bytes.
                run.Report(default);
            },
            cancellationToken).ConfigureAwait(false);
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
                LogStoreRetrying(_logger, ex, final.Export.Id, attempt, _finalRetry.MaxAttempts);
                return Task.CompletedTask;
            },
            _shutdown.Token).ConfigureAwait(false);
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

    // Listeners (e.g. webhooks that retry for a minute) run beside the workers, never holding an export slot.
    private void Notify(ExportJob job)
    {
        foreach (IExportCompletionListener listener in _listeners)
        {
            Task task = NotifyOneAsync(listener, job);
            _notifications.TryAdd(task, 0);
            _ = task.ContinueWith(t => _notifications.TryRemove(t, out _), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task NotifyOneAsync(IExportCompletionListener listener, ExportJob job)
    {
        await Task.Yield();
        try
        {
            await listener.OnCompletedAsync(job.AppId, job.Export, _notificationsStop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogListenerFailed(_logger, ex, job.Export.Id, listener.GetType().Name);
        }
    }

    // The lifecycle lines: one per event, each named (EventId) and carrying the export id and application, so a JSON log
    // pipeline can count and alert on them without parsing messages (docs/operations.md lists them).
    [LoggerMessage(EventId = 1, EventName = "ExportCreated", Level = LogLevel.Information,
        Message = "Export {ExportId} created SCHEDULED for application {AppId}")]
    private static partial void LogCreated(ILogger logger, string exportId, string appId);

    [LoggerMessage(EventId = 2, EventName = "ExportClaimed", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} claimed by {Worker} after {WaitedMs} ms in the queue")]
    private static partial void LogClaimed(ILogger logger, string exportId, string appId, string worker, long waitedMs);

    [LoggerMessage(EventId = 3, EventName = "ExportRetried", Level = LogLevel.Warning,
        Message = "Export {ExportId} of {AppId}: run {Attempt} of {MaxAttempts} failed on a transient fault after {Rows} rows, {Bytes} bytes; retrying after its committed chunks in {Delay}")]
    private static partial void LogRetried(
        ILogger logger, Exception exception, string exportId, string appId, int attempt, int maxAttempts, long rows, long bytes, TimeSpan delay);

    [LoggerMessage(EventId = 4, EventName = "ExportResumed", Level = LogLevel.Warning,
        Message = "Export {ExportId} of {AppId} taken over by {Worker} (claim {Attempt}): its previous worker's lease ran out")]
    private static partial void LogResumed(ILogger logger, string exportId, string appId, string worker, int attempt);

    [LoggerMessage(EventId = 8, EventName = "ExportResumedAfterChunks", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} goes on after {Chunks} committed chunks ({Rows} rows), kept as stored")]
    private static partial void LogResumedAfter(ILogger logger, string exportId, string appId, int chunks, long rows);

    [LoggerMessage(EventId = 9, EventName = "ExportSplit", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} split into {Tasks} range tasks any instance may run")]
    private static partial void LogSplit(ILogger logger, string exportId, string appId, int tasks);

    [LoggerMessage(EventId = 5, EventName = "ExportDone", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} DONE: {Rows} rows, {Bytes} bytes in {Chunks} chunks, {DurationMs} ms")]
    private static partial void LogDone(ILogger logger, string exportId, string appId, long rows, long bytes, int chunks, long durationMs);

    [LoggerMessage(EventId = 6, EventName = "ExportFailed", Level = LogLevel.Warning,
        Message = "Export {ExportId} of {AppId} ERROR {ErrorKey}: {ErrorDetails} (after {Rows} rows, {Bytes} bytes, {DurationMs} ms)")]
    private static partial void LogFailed(
        ILogger logger, string exportId, string appId, string errorKey, string? errorDetails, long rows, long bytes, long durationMs);

    [LoggerMessage(EventId = 7, EventName = "ExportCancelled", Level = LogLevel.Information,
        Message = "Export {ExportId} of {AppId} cancelled: {Reason} (after {Rows} rows, {Bytes} bytes, {DurationMs} ms)")]
    private static partial void LogCancelled(ILogger logger, string exportId, string appId, string? reason, long rows, long bytes, long durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export {ExportId}: recording the final state failed (try {Attempt} of {MaxAttempts}); trying again")]
    private static partial void LogStoreRetrying(ILogger logger, Exception exception, string exportId, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutting down: the export store failed while ending the exports left (fault {Faults})")]
    private static partial void LogShutdownStoreFailed(ILogger logger, Exception exception, int faults);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {ExportId} ERROR: removing its files failed")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, string exportId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {ExportId}: completion listener {Listener} failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string exportId, string listener);

    private static ExportObject Failed(ExportObject export, VoucherifyError error) =>
        export with { Status = ExportStatus.Error, Progress = null, Result = null, Error = error };

    private const string CancelledKey = "export_cancelled";

    private long Elapsed(ExportRun run) => (long)_time.GetElapsedTime(run.StartedTimestamp).TotalMilliseconds;

    private static VoucherifyError ShutdownError { get; } =
        new(503, CancelledKey, "Export cancelled", "the registry shut down before the export finished");

    private static VoucherifyError OperatorCancelled { get; } =
        new(409, CancelledKey, "Export cancelled", "an operator cancelled the export before it finished");

    private static VoucherifyError Cancelled(ExportRun run) => run.Deleted
        ? new VoucherifyError(409, CancelledKey, "Export cancelled", "the export was deleted before it finished")
        : run.CancelledByOperator ? OperatorCancelled : ShutdownError;

    /// <summary>A clock stopped at the export's first start: relative filters of every attempt use that one reading.</summary>
    private sealed class PinnedClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }

    /// <summary>The in-process side of one running export: its lease, cancellation, live progress and completion.</summary>
    private sealed class ExportRun(ExportLease lease) : IProgress<ExportProgress>
    {
        private ExportProgress _latest;
        private readonly Lock _gate = new();
        private volatile ExportLease _lease = lease;

        public ExportLease Lease
        {
            get => _lease;
            set => _lease = value;
        }

        public volatile bool LeaseLost;

        /// <summary>The registry clock's timestamp when this claim began (for the duration in the lifecycle lines).</summary>
        public long StartedTimestamp { get; init; }

        public CancellationTokenSource Cancellation { get; } = new();

        public TaskCompletionSource<ExportObject?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Deleted;

        /// <summary>Set by <see cref="CancelAsync"/>: the run ends in ERROR but the export stays.</summary>
        public volatile bool CancelledByOperator;

        /// <summary>The chunks recorded as committed (by earlier attempts and this one), in order.</summary>
        public List<ChunkInfo> Committed { get; } = [];

        /// <summary>Runs of the engine in this claim, the current one included.</summary>
        public volatile int Attempts;

        public ExportProgress Latest
        {
            get
            {
                lock (_gate)
                {
                    return _latest;
                }
            }
        }

        public void Report(ExportProgress value)
        {
            lock (_gate)
            {
                _latest = value;
            }
        }
    }
}
