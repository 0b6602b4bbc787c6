using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VoucherExport.Chunks;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary>
/// Everything the export server is configured with, composed of the sections the options binder reads
/// (<see cref="ApplicationsOptions"/>, <see cref="ExportsOptions"/>, <see cref="LedgerOptions"/>, <see cref="RequestLimits"/>,
/// <see cref="DownloadOptions"/>, <see cref="IdempotencyOptions"/>, <c>S3:*</c>, <c>Registry:*</c>) once their validators pass.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>The application the server accepts when <c>Applications</c> names none (a local demo only).</summary>
    public const string DemoApplicationId = "demo-app";

    /// <summary>The token of <see cref="DemoApplicationId"/>.</summary>
    public const string DemoApplicationToken = "demo-token";

    /// <summary>A token shorter than this is a typo or a placeholder, not a credential.</summary>
    public const int MinTokenLength = 8;

    /// <summary>Relative to the content root (the working folder), so a fresh clone writes beside itself, not into /tmp.</summary>
    public const string DefaultDataFolder = "data/exports";

    /// <summary><c>Applications:&lt;id&gt;</c> = token: who may call the API. Each application sees only its own exports.</summary>
    public ImmutableDictionary<string, string> Applications { get; init; } =
        ImmutableDictionary<string, string>.Empty.Add(DemoApplicationId, DemoApplicationToken);

    /// <summary>True when <c>Applications</c> was empty and the demo application stands in.</summary>
    public bool UsesDemoApplication { get; init; } = true;

    /// <summary><c>Exports:DataFolder</c>: where each export's chunks and manifest are written (absolute).</summary>
    public string DataFolder { get; init; } = Path.GetFullPath(DefaultDataFolder);

    /// <summary><c>Exports:MaxConcurrent</c>: exports run at once; default the core count, one export keeps about one core busy.</summary>
    public int MaxConcurrentExports { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary><c>Exports:MaxChunkBytes</c> / <c>Exports:MaxChunkRows</c>: the chunk limits of SPEC §5.</summary>
    public ChunkLimits Chunks { get; init; } = ChunkLimits.Default;

    /// <summary>
    /// <c>Exports:RetryAttempts</c> / <c>Exports:RetryDelay</c> / <c>Exports:RetryMaxDelay</c>: how an export that failed
    /// on a transient fault (a dropped connection, a timeout, an S3 503) is run again; default 3 runs in all, 2 s before
    /// the first retry, doubling, at most 30 s. <c>Exports:RetryAttempts</c> = 1 turns retries off.
    /// </summary>
    public ExportRetryOptions Retry { get; init; } = ExportRetryOptions.Default;

    /// <summary><c>Exports:Parallelism</c>: threads one export may use to format and hash; default all cores (at most 64).</summary>
    public int Parallelism { get; init; } = ChunkedCsvWriter.AllCores;

    /// <summary><c>Exports:RangeTasks</c>: range tasks per export, spread over every instance (docs/scale.md); default 1, no split.</summary>
    public int RangeTasks { get; init; } = 1;

    /// <summary>
    /// <c>Exports:HeartbeatInterval</c>: how often a running export renews its lease; default 2 s, so a delete on another
    /// instance stops the run within about that long.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Exports:LeaseDuration</c>: how long a claim holds without renewal (a dead instance's exports restart after it); default 30 s.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Exports:DrainTimeout</c>: on shutdown, how long running exports may finish before they are cancelled; default 0.
    /// With a shared registry a cancelled run is handed back and another instance finishes it; otherwise it ends in ERROR.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.Zero;

    /// <summary><c>Exports:Sink</c>: <c>s3://bucket/prefix</c> to store chunks in S3 (with <see cref="S3"/>), or null for <see cref="DataFolder"/>.</summary>
    public string? Sink { get; init; }

    /// <summary><c>S3:*</c>: the store of an <c>s3://</c> <see cref="Sink"/>; unset values come from the AWS environment variables.</summary>
    public Hosting.S3StorageOptions S3 { get; init; } = new();

    /// <summary><c>Registry:*</c>: the PostgreSQL registry every instance shares; without a connection string, in memory.</summary>
    public Hosting.RegistryDatabaseOptions Registry { get; init; } = new();

    /// <summary><c>Ledger:*</c>: the data exported.</summary>
    public LedgerOptions Ledger { get; init; } = new();

    /// <summary><c>Limits:*</c>: request limits.</summary>
    public RequestLimits Limits { get; init; } = new();

    /// <summary><c>Downloads:*</c>: signed download URLs.</summary>
    public DownloadOptions Downloads { get; init; } = new();

    /// <summary><c>Idempotency:Retention</c>: how long an <c>Idempotency-Key</c> keeps answering with the same export.</summary>
    public TimeSpan IdempotencyRetention { get; init; } = IdempotencyOptions.DefaultRetention;

    /// <summary>These options as the host's (<c>AddVoucherExport</c>) options, which build the registry, its store and its sinks.</summary>
    public Hosting.VoucherExportOptions ToServiceOptions() => new()
    {
        DataDirectory = DataFolder,
        MaxConcurrentExports = MaxConcurrentExports,
        MaxChunkBytes = Chunks.MaxChunkBytes,
        MaxChunkRows = Chunks.MaxChunkRows,
        Compression = Chunks.Compression == ChunkCompression.Gzip ? "gzip" : "none",
        CompressionLevel = Chunks.CompressionLevel,
        RetryAttempts = Retry.MaxAttempts,
        RetryDelay = Retry.BaseDelay,
        RetryMaxDelay = Retry.MaxDelay,
        Parallelism = Parallelism,
        RangeTasks = RangeTasks,
        HeartbeatInterval = HeartbeatInterval,
        LeaseDuration = LeaseDuration,
        DrainTimeout = DrainTimeout,
        Sink = Sink,
        S3 = S3,
        Registry = Registry,

        // Checked with the host's rules; the server opens the ledger itself (LedgerOptions.ToLocation), with its file settings.
        Ledger = new Hosting.LedgerDatabaseOptions
        {
            ConnectionString = Ledger?.ConnectionString,
            Schema = Ledger?.Schema,
            Table = Ledger?.Table,
            VouchersTable = Ledger?.VouchersTable,
            Partitions = Ledger?.Partitions,
        },
    };

    /// <summary>The server's name of a host setting (relative to the <c>VoucherExport</c> section): <c>Sink</c> is <c>Exports:Sink</c>.</summary>
    internal static string ServerKey(string setting) => setting switch
    {
        nameof(Hosting.VoucherExportOptions.Sink) => "Exports:Sink",
        nameof(Hosting.VoucherExportOptions.Parallelism) => "Exports:Parallelism",
        nameof(Hosting.VoucherExportOptions.RangeTasks) => "Exports:RangeTasks",
        _ => setting,
    };

    /// <summary>
    /// Reads the options from <paramref name="configuration"/> (appsettings.json, environment, command line) with the
    /// options binder, as the server does, and checks them with the same validators; relative paths are resolved against
    /// <paramref name="contentRoot"/>. Throws <see cref="ServerConfigurationException"/> naming a bad key.
    /// </summary>
    public static ServerOptions FromConfiguration(IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(contentRoot);
        using var services = new ServiceCollection().AddServerConfiguration(configuration, contentRoot).BuildServiceProvider();
        return ServerConfiguration.Resolve(services);
    }

    /// <summary>The options composed of the bound sections, each already checked by its validator.</summary>
    internal static ServerOptions From(
        ApplicationsOptions applications,
        ExportsOptions exports,
        Hosting.S3StorageOptions s3,
        Hosting.RegistryDatabaseOptions registry,
        LedgerOptions ledger,
        RequestLimits limits,
        DownloadOptions downloads,
        IdempotencyOptions idempotency)
    {
        var defaults = new ServerOptions();
        return new ServerOptions
        {
            Applications = applications.Applications.Count == 0
                ? defaults.Applications
                : applications.Applications.ToImmutableDictionary(StringComparer.Ordinal),
            UsesDemoApplication = applications.Applications.Count == 0,
            DataFolder = exports.DataFolder ?? defaults.DataFolder,
            MaxConcurrentExports = exports.MaxConcurrent,
            Chunks = new ChunkLimits
            {
                MaxChunkBytes = exports.MaxChunkBytes,
                MaxChunkRows = exports.MaxChunkRows,
                Compression = ParseCompression(exports.Compression) ?? ChunkCompression.None,
                CompressionLevel = exports.CompressionLevel,
            },
            Retry = new ExportRetryOptions { MaxAttempts = exports.RetryAttempts, BaseDelay = exports.RetryDelay, MaxDelay = exports.RetryMaxDelay },
            Parallelism = exports.Parallelism,
            RangeTasks = exports.RangeTasks,
            HeartbeatInterval = exports.HeartbeatInterval,
            LeaseDuration = exports.LeaseDuration,
            DrainTimeout = exports.DrainTimeout,
            Sink = exports.Sink,
            S3 = s3,
            Registry = registry,
            Ledger = ledger,
            Limits = limits,
            Downloads = downloads,
            IdempotencyRetention = idempotency.Retention,
        };
    }

    /// <summary><c>Exports:Compression</c> (any case) as the engine's compression; null when it is neither none nor gzip.</summary>
    internal static ChunkCompression? ParseCompression(string? text) => text switch
    {
        _ when string.Equals(text, "none", StringComparison.OrdinalIgnoreCase) => ChunkCompression.None,
        _ when string.Equals(text, "gzip", StringComparison.OrdinalIgnoreCase) => ChunkCompression.Gzip,
        _ => null,
    };
}
