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
public sealed class ExportRegistry : IAsyncDisposable
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
    private readonly ExportRunner _runner;
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

        _runner = new ExportRunner(
            _store, _source, _sinks, _vouchers, _options, _time, _logger, _runs, _shutdown.Token, _poll,
            () => Volatile.Read(ref _changed).Task, Pulse, Notify);
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
        ExportLog.LogCreated(_logger, job.Export.Id, appId);
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
                return final is { Status: ExportStatus.Error, Error.Key: ExportRunner.CancelledKey };
            }

            var cancelled = job with { Export = ExportRunner.Failed(job.Export, ExportRunner.OperatorCancelled) };
            if (await _store.TryUpdateAsync(cancelled, job.Export.Status, cancellationToken).ConfigureAwait(false))
            {
                ExportLog.LogCancelled(_logger, exportId, appId, ExportRunner.OperatorCancelled.Details, 0, 0, 0);
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
                await _runner.RunClaimAsync(claim).ConfigureAwait(false);
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
                            var failed = left.Job with { Export = ExportRunner.Failed(left.Job.Export, ExportRunner.ShutdownError) };
                            await _store.TryFinishAsync(failed, left.Lease, CancellationToken.None).ConfigureAwait(false);
                        }
                    },
                    (ex, fault, _) =>
                    {
                        ExportLog.LogShutdownStoreFailed(_logger, ex, fault);
                        return Task.CompletedTask;
                    }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ExportLog.LogShutdownStoreFailed(_logger, ex, retry.MaxAttempts);
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
            ExportLog.LogListenerFailed(_logger, ex, job.Export.Id, listener.GetType().Name);
        }
    }
}
