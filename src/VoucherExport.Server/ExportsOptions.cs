using VoucherExport.Chunks;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary><c>Exports:*</c>: how the server runs and stores exports; bound by the options binder and checked at start.</summary>
public sealed class ExportsOptions
{
    /// <summary><c>Exports:DataFolder</c>: where chunks and manifests are written without a <see cref="Sink"/>; relative to the content root.</summary>
    public string? DataFolder { get; set; }

    /// <summary><c>Exports:MaxConcurrent</c>: exports run at once (1 to 1024); default the core count.</summary>
    public int MaxConcurrent { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary><c>Exports:MaxChunkBytes</c>: the byte limit of one chunk (SPEC §5).</summary>
    public long MaxChunkBytes { get; set; } = ChunkLimits.DefaultMaxChunkBytes;

    /// <summary><c>Exports:MaxChunkRows</c>: the row limit of one chunk, or null for none.</summary>
    public long? MaxChunkRows { get; set; }

    /// <summary><c>Exports:Compression</c>: <c>none</c> (default) or <c>gzip</c>.</summary>
    public string Compression { get; set; } = "none";

    /// <summary><c>Exports:CompressionLevel</c>: the gzip level, 1 to 9.</summary>
    public int CompressionLevel { get; set; } = ChunkLimits.DefaultCompressionLevel;

    /// <summary><c>Exports:RetryAttempts</c>: runs in all of an export failing on a transient fault; 1 turns retries off.</summary>
    public int RetryAttempts { get; set; } = ExportRetryOptions.DefaultMaxAttempts;

    /// <summary><c>Exports:RetryDelay</c>: the wait before the first retry, doubling after.</summary>
    public TimeSpan RetryDelay { get; set; } = ExportRetryOptions.DefaultBaseDelay;

    /// <summary><c>Exports:RetryMaxDelay</c>: the longest wait between retries.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = ExportRetryOptions.DefaultMaxDelay;

    /// <summary><c>Exports:Parallelism</c>: threads one export may use to format and hash (1 to 64); default all cores.</summary>
    public int Parallelism { get; set; } = ChunkedCsvWriter.AllCores;

    /// <summary>
    /// <c>Exports:RangeTasks</c>: into how many <c>created_at</c> range tasks each export is split so that every instance
    /// works on it (1 to 99,999; default 1, no split). Needs the PostgreSQL registry and ledger (docs/scale.md).
    /// </summary>
    public int RangeTasks { get; set; } = 1;

    /// <summary><c>Exports:HeartbeatInterval</c>: how often a running export renews its lease; default 2 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Exports:LeaseDuration</c>: how long a claim holds without renewal; default 30 s, at least twice the heartbeat.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Exports:DrainTimeout</c>: on shutdown, how long running exports may finish before they are cancelled; default 0.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.Zero;

    /// <summary><c>Exports:Sink</c>: <c>s3://bucket/prefix</c> to store chunks in S3 (with <c>S3:*</c>), or null for <see cref="DataFolder"/>.</summary>
    public string? Sink { get; set; }
}
