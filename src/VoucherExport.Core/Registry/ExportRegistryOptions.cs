using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Ordering;

namespace VoucherExport.Registry;

/// <summary>How the in-process export registry runs exports. Immutable; validated when the registry is built.</summary>
public sealed record ExportRegistryOptions
{
    /// <summary>
    /// Exports run at once; the rest wait <c>SCHEDULED</c>. Default: the core count, since one export keeps about one
    /// core busy and more would only share it.
    /// </summary>
    public int MaxConcurrentExports { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// Threads each export may use (<see cref="ExportRequest.Parallelism"/>); default all cores
    /// (<see cref="ChunkedCsvWriter.AllCores"/>), so a lone export is not held to one core. Exports running at once share
    /// the thread pool, so the default needs no division by <see cref="MaxConcurrentExports"/>.
    /// </summary>
    public int Parallelism { get; init; } = ChunkedCsvWriter.AllCores;

    /// <summary>The CSV dialect of exports that do not name one.</summary>
    public CsvFormat Csv { get; init; } = CsvFormat.Default;

    /// <summary>The chunk limits and compression of exports that do not name them.</summary>
    public ChunkLimits Chunks { get; init; } = ChunkLimits.Default;

    /// <summary>How rows are sorted when the source does not deliver the order.</summary>
    public SortOptions Sort { get; init; } = SortOptions.Default;

    /// <summary>
    /// How long a worker's claim on an export holds without renewal; default 30 s, long enough to ride out a slow store
    /// or a garbage collection, short enough that a dead worker's export restarts elsewhere within a minute.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a running export renews its lease (and stores its progress); default 10 s, a third of the lease, so two
    /// renewals may fail before it runs out. A worker that cannot renew before the lease would run out stops the export.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often an idle worker asks the store for work it was not told about (exports created by other processes,
    /// leases that ran out); default 1 s. Exports created through this registry wake a worker at once.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The name this registry's workers claim exports under (worker <c>i</c> is <c>name/i</c>); default null,
    /// <c>host:pid:random</c>, so a lease owner names the machine and process and two registries never share one.
    /// </summary>
    public string? WorkerName { get; init; }

    /// <summary>
    /// How runs that failed on a transient fault are retried; default <see cref="ExportRetryOptions.Default"/> (3 runs,
    /// 2 s then 4 s apart), so a dropped connection does not fail an audit export, while a lasting fault still ends in
    /// <c>ERROR</c> within seconds.
    /// </summary>
    public ExportRetryOptions Retry { get; init; } = ExportRetryOptions.Default;

    /// <summary>
    /// Whether an export holds only the rows with <c>created_at</c> at or before its first start, so every attempt of it —
    /// a retry, a takeover on another instance, a resume after a deploy — sees the same rows. Null (the default): yes with
    /// a shared store (<see cref="IExportStore.IsShared"/>, where attempts may be hours and machines apart), no with a
    /// store of this process. False exports whatever each attempt reads, for a ledger whose <c>created_at</c> may lie
    /// ahead of the clock (see docs/resume.md).
    /// </summary>
    public bool? RowsAsOfFirstStart { get; init; }

    /// <summary>
    /// Into how many <c>created_at</c> range tasks an export is split, so that every registry sharing the store works on
    /// it (docs/scale.md); default 1, no split. Only with a store that runs range tasks (PostgreSQL) and a source that can
    /// split (the PostgreSQL ledger); fewer when the export's rows have fewer distinct instants. Chunk boundaries then
    /// fall at task boundaries too, and chunks are named <c>part-00003-00001.csv</c>; the whole export's bytes are
    /// unchanged.
    /// </summary>
    public int RangeTasks { get; init; } = 1;

    /// <summary>The defaults.</summary>
    public static ExportRegistryOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public ExportRegistryOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentExports, 1, nameof(MaxConcurrentExports));
        if (Parallelism is < 1 or > ChunkedCsvWriter.MaxParallelism)
        {
            throw new ArgumentOutOfRangeException(
                nameof(Parallelism), Parallelism, $"Parallelism must be between 1 and {ChunkedCsvWriter.MaxParallelism}");
        }

        ArgumentNullException.ThrowIfNull(Csv);
        ArgumentNullException.ThrowIfNull(Chunks);
        ArgumentNullException.ThrowIfNull(Sort);
        ArgumentNullException.ThrowIfNull(Retry);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaseDuration, TimeSpan.Zero, nameof(LeaseDuration));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero, nameof(HeartbeatInterval));
        if (HeartbeatInterval * 2 > LeaseDuration)
        {
            throw new ArgumentException(
                $"HeartbeatInterval ({HeartbeatInterval}) must be at most half of LeaseDuration ({LeaseDuration}), so a lease survives one missed renewal",
                nameof(HeartbeatInterval));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        if (RangeTasks is < 1 or > ChunkNames.MaxRangeTasks)
        {
            throw new ArgumentOutOfRangeException(nameof(RangeTasks), RangeTasks, $"RangeTasks must be between 1 and {ChunkNames.MaxRangeTasks}");
        }
        if (WorkerName is not null && (WorkerName.Length == 0 || WorkerName.Length > 200))
        {
            throw new ArgumentException("WorkerName must be 1 to 200 characters when given", nameof(WorkerName));
        }

        Csv.Validate();
        Chunks.Validate();
        Sort.Validate();
        Retry.Validate();
        return this;
    }
}
