using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using VoucherExport.Chunks;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Registry;

/// <summary>
/// The in-process export registry (SPEC §1): creates exports <c>SCHEDULED</c>, runs them in the background with a bounded
/// number at once, and answers get, list and delete, each application seeing only its own exports.
/// </summary>
public sealed class ExportRegistry : IAsyncDisposable
{
    private readonly IExportStore _store;
    private readonly ITransactionSource _source;
    private readonly IChunkSinkFactory _sinks;
    private readonly IVoucherDirectory _vouchers;
    private readonly ExportRegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<(string AppId, string ExportId)> _queue =
        Channel.CreateUnbounded<(string, string)>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private readonly ConcurrentDictionary<string, ExportRun> _runs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task[] _workers;
    private int _disposed;

    /// <summary>A registry over <paramref name="store"/> that reads <paramref name="source"/> and writes to <paramref name="sinks"/>.</summary>
    public ExportRegistry(
        IExportStore store,
        ITransactionSource source,
        IChunkSinkFactory sinks,
        ExportRegistryOptions? options = null,
        IVoucherDirectory? vouchers = null,
        TimeProvider? time = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _sinks = sinks ?? throw new ArgumentNullException(nameof(sinks));
        _options = (options ?? ExportRegistryOptions.Default).Validate();
        _vouchers = vouchers ?? InMemoryVoucherDirectory.Empty;
        _time = time ?? TimeProvider.System;
        _workers = new Task[_options.MaxConcurrentExports];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkAsync);
        }
    }

    /// <summary><c>POST /v1/vouchers/{code}/transactions/export</c>: the transactions of one voucher (by code or id).</summary>
    public Task<ExportObject> CreateVoucherTransactionsExportAsync(
        string appId, string voucherCodeOrId, JsonElement? parameters, CancellationToken cancellationToken = default) =>
        CreateAsync(appId, ExportScope.Voucher(voucherCodeOrId), ExportParametersParser.Parse(parameters), null, cancellationToken);

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
            throw new ExportValidationException(VoucherifyError.InvalidPayload(
                "exported_object", "must be \"voucher_transactions\", the only exported object this server has"));
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
                Parameters = scope.Apply(parameters, _vouchers),
                Channel = options.Channel,
                UserId = options.UserId,
            },
            (options.Csv ?? _options.Csv).Validate(),
            (options.Chunks ?? _options.Chunks).Validate());

        var run = new ExportRun();
        _runs[job.Export.Id] = run;
        await _store.AddAsync(job, cancellationToken).ConfigureAwait(false);
        if (!_queue.Writer.TryWrite((appId, job.Export.Id)))
        {
            throw new ObjectDisposedException(nameof(ExportRegistry));
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

    /// <summary>Waits until the export is <c>DONE</c> or <c>ERROR</c> and returns it; null when it does not exist.</summary>
    public async Task<ExportObject?> WaitAsync(string appId, string exportId, CancellationToken cancellationToken = default)
    {
        if (_runs.TryGetValue(exportId, out var run))
        {
            await run.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await GetAsync(appId, exportId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes when no export of this registry is scheduled or running (a moment's truth: new ones may come).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (!_runs.IsEmpty)
        {
            Task[] pending = [.. _runs.Values.Select(r => (Task)r.Completion.Task)];
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops taking work, cancels running exports (they end in <c>ERROR</c>) and waits for the workers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _shutdown.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private ExportObject WithLiveProgress(ExportObject export) =>
        export.Status == ExportStatus.InProgress && _runs.TryGetValue(export.Id, out var run)
            ? export with { Progress = run.Latest }
            : export;

    private async Task WorkAsync()
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_shutdown.Token).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    await RunOneAsync(item.AppId, item.ExportId).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            // Shutting down: exports still queued end in ERROR so that none stays SCHEDULED for ever.
            while (_queue.Reader.TryRead(out var item))
            {
                await RunOneAsync(item.AppId, item.ExportId).ConfigureAwait(false);
            }
        }
    }

    private async Task RunOneAsync(string appId, string exportId)
    {
        if (!_runs.TryGetValue(exportId, out var run))
        {
            return;
        }

        ExportObject? final = null;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation.Token, _shutdown.Token);
            ExportJob? job = await _store.GetAsync(appId, exportId, CancellationToken.None).ConfigureAwait(false);
            if (job is null || job.Export.Status != ExportStatus.Scheduled)
            {
                final = job?.Export;
                return;
            }

            if (linked.IsCancellationRequested)
            {
                final = await FailAsync(job, ExportStatus.Scheduled, Cancelled(run)).ConfigureAwait(false);
                return;
            }

            var running = job with { Export = job.Export with { Status = ExportStatus.InProgress, Progress = default(ExportProgress) } };
            if (!await _store.TryUpdateAsync(running, ExportStatus.Scheduled, CancellationToken.None).ConfigureAwait(false))
            {
                return;
            }

            final = await ExecuteAsync(running, run, linked.Token).ConfigureAwait(false);
        }
        finally
        {
            run.Completion.TrySetResult(final);
            _runs.TryRemove(exportId, out _);
        }
    }

    private async Task<ExportObject> ExecuteAsync(ExportJob running, ExportRun run, CancellationToken cancellationToken)
    {
        var request = new ExportRequest
        {
            Export = running.Export,
            Csv = running.Csv,
            Chunks = running.Chunks,
            Sort = _options.Sort,
            Vouchers = _vouchers,
            Time = _time,
        };

        VoucherifyError error;
        try
        {
            ExportResult result = await ExportEngine.RunAsync(request, _source, _sinks, run, cancellationToken)
                .ConfigureAwait(false);
            var done = running with { Export = result.Export };
            if (await _store.TryUpdateAsync(done, ExportStatus.InProgress, CancellationToken.None).ConfigureAwait(false))
            {
                return done.Export;
            }

            // Deleted while finishing: what was published must not outlive the export.
            await _sinks.Create(running.Export.Id).DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
            return done.Export;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error = Cancelled(run);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = ExportErrors.From(ex);
        }

        return await FailAsync(running, ExportStatus.InProgress, error).ConfigureAwait(false);
    }

    private async Task<ExportObject> FailAsync(ExportJob job, ExportStatus expected, VoucherifyError error)
    {
        var failed = job with { Export = job.Export with { Status = ExportStatus.Error, Progress = null, Result = null, Error = error } };
        await _store.TryUpdateAsync(failed, expected, CancellationToken.None).ConfigureAwait(false);
        return failed.Export;
    }

    private static VoucherifyError Cancelled(ExportRun run) => run.Deleted
        ? new VoucherifyError(409, "export_cancelled", "Export cancelled", "the export was deleted before it finished")
        : new VoucherifyError(503, "export_cancelled", "Export cancelled", "the registry shut down before the export finished");

    /// <summary>The in-process side of one export: its cancellation, its live progress, its completion.</summary>
    private sealed class ExportRun : IProgress<ExportProgress>
    {
        private ExportProgress _latest;
        private readonly Lock _gate = new();

        public CancellationTokenSource Cancellation { get; } = new();

        public TaskCompletionSource<ExportObject?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Deleted;

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
