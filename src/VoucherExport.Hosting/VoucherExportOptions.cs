using VoucherExport.Chunks;
using VoucherExport.Registry;

namespace VoucherExport.Hosting;

/// <summary>
/// The configuration section <c>VoucherExport</c>: every knob of the embedded registry, with its default.
/// Validated at start-up; a bad value stops the host with a message naming the key.
/// </summary>
public sealed class VoucherExportOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "VoucherExport";

    /// <summary>Folder the file-system sink writes <c>&lt;export id&gt;/part-*.csv</c> into; default <c>exports</c> under the content root.</summary>
    public string DataDirectory { get; set; } = "exports";

    /// <summary>Exports run at once; default the core count (one export keeps about one core busy).</summary>
    public int MaxConcurrentExports { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Most bytes a chunk holds, header included; default 64 MiB.</summary>
    public long MaxChunkBytes { get; set; } = ChunkLimits.DefaultMaxChunkBytes;

    /// <summary>Most records a chunk holds; default none.</summary>
    public long? MaxChunkRows { get; set; }

    /// <summary>
    /// How chunks are stored: <c>none</c> (default: plain <c>part-00001.csv</c>, which every consumer opens) or
    /// <c>gzip</c> (<c>part-00001.csv.gz</c>; <see cref="MaxChunkBytes"/> then bounds the compressed bytes).
    /// </summary>
    public string Compression { get; set; } = "none";

    /// <summary>The zlib level of gzip chunks, 1 to 9; default 6 (gzip's own default).</summary>
    public int CompressionLevel { get; set; } = ChunkLimits.DefaultCompressionLevel;

    /// <summary>Field delimiter: <c>,</c> (default), <c>;</c>, <c>|</c> or <c>tab</c>.</summary>
    public string Delimiter { get; set; } = ",";

    /// <summary><c>crlf</c> (default, RFC 4180) or <c>lf</c>.</summary>
    public string Newline { get; set; } = "crlf";

    /// <summary><c>labels</c> (default, Voucherify-style) or <c>names</c>.</summary>
    public string Header { get; set; } = "labels";

    /// <summary>Start every chunk with a UTF-8 BOM (for Excel); default off.</summary>
    public bool Bom { get; set; }

    /// <summary>Guard text cells against spreadsheet formulas; default off.</summary>
    public bool FormulaGuard { get; set; }

    /// <summary>A JSON Lines ledger to export from, when the host registers no <c>ITransactionSource</c> of its own.</summary>
    public string? LedgerPath { get; set; }

    /// <summary>
    /// <c>created_at</c> or <c>-created_at</c>: the order <see cref="LedgerPath"/> is known to be in (null: unknown). Exports
    /// in that order stream without a sort (the order is verified row by row), and one that resumes on a shared registry
    /// seeks to the byte offset its last committed chunk recorded instead of reading the file again (docs/resume.md).
    /// </summary>
    public string? LedgerOrder { get; set; }

    /// <summary>Vouchers (JSON Lines) that resolve codes, campaigns and member cards; optional.</summary>
    public string? VouchersPath { get; set; }

    /// <summary>With no ledger and no host source: the size of a generated demo ledger; default 0 (none: a source is required).</summary>
    public long DemoRows { get; set; }

    /// <summary>The optional completion webhook (<c>VoucherExport:Webhook</c>); off while its URL is empty.</summary>
    public WebhookOptions Webhook { get; set; } = new();

    /// <summary>
    /// Runs in all for an export that fails on a transient fault (a dropped connection, a timeout, an S3 503), the first
    /// included; default 3; 1 turns retries off. Each retry starts from nothing.
    /// </summary>
    public int RetryAttempts { get; set; } = ExportRetryOptions.DefaultMaxAttempts;

    /// <summary>The pause before the first retry, doubling for each later one; default 2 s.</summary>
    public TimeSpan RetryDelay { get; set; } = ExportRetryOptions.DefaultBaseDelay;

    /// <summary>The longest pause between two runs; default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = ExportRetryOptions.DefaultMaxDelay;

    /// <summary>
    /// Threads one export may use to format and hash its CSV; default all cores (at most 64). Several exports running at
    /// once share the cores.
    /// </summary>
    public int Parallelism { get; set; } = ChunkedCsvWriter.AllCores;

    /// <summary>
    /// Into how many <c>created_at</c> range tasks each export is split, so that every instance sharing the registry works
    /// on it (<see cref="Registry.ExportRegistryOptions.RangeTasks"/>); default 1, no split.
    /// </summary>
    public int RangeTasks { get; set; } = 1;

    /// <summary>
    /// How often a running export renews its lease in the registry; default 2 s. A delete or cancel made on another
    /// instance stops the run within about this long, and a run that cannot renew for <see cref="LeaseDuration"/> stops.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a claim on an export holds without renewal; default 30 s. An instance that died gives its exports up after it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where chunks go instead of <see cref="DataDirectory"/>: <c>s3://bucket/prefix</c>, with <see cref="S3"/>; default
    /// null (files under <see cref="DataDirectory"/>).
    /// </summary>
    public string? Sink { get; set; }

    /// <summary><c>S3:*</c>: the store of an <c>s3://</c> <see cref="Sink"/>.</summary>
    public S3StorageOptions S3 { get; set; } = new();

    /// <summary><c>Registry:*</c>: the PostgreSQL registry shared by every instance; default none (in memory).</summary>
    public RegistryDatabaseOptions Registry { get; set; } = new();

    /// <summary><c>Ledger:*</c>: a PostgreSQL ledger, instead of <see cref="LedgerPath"/> or the demo ledger.</summary>
    public LedgerDatabaseOptions Ledger { get; set; } = new();

    /// <summary>On shutdown, how long running exports may finish before they are cancelled; default 0 (cancel at once).</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.Zero;
}
