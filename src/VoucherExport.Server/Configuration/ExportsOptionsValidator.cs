using Microsoft.Extensions.Options;
using VoucherExport.Chunks;
using VoucherExport.Hosting;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary>
/// Checks <c>Exports:*</c>, and with them the database and storage settings they go with (<c>Registry:*</c>,
/// <c>Ledger:ConnectionString</c> and its table, <c>S3:*</c> with <c>Exports:Sink</c>) by the host's own rules.
/// </summary>
internal sealed class ExportsOptionsValidator(
    IOptions<S3StorageOptions> s3, IOptions<RegistryDatabaseOptions> registry, IOptions<LedgerOptions> ledger) : IValidateOptions<ExportsOptions>
{
    /// <summary>The most exports one instance runs at once.</summary>
    public const int MaxConcurrentLimit = 1024;

    public ValidateOptionsResult Validate(string? name, ExportsOptions options)
    {
        var failures = new ConfigurationFailures();
        if (string.IsNullOrWhiteSpace(options.DataFolder) || !Path.IsPathFullyQualified(options.DataFolder))
        {
            failures.Add("Exports:DataFolder", $"must be an absolute path once resolved, not '{options.DataFolder}'");
        }

        if (options.MaxConcurrent is < 1 or > MaxConcurrentLimit)
        {
            failures.Add("Exports:MaxConcurrent", $"must be between 1 and {MaxConcurrentLimit}, not {options.MaxConcurrent}");
        }

        if (options.MaxChunkBytes < 1)
        {
            failures.Add("Exports:MaxChunkBytes", $"must be at least 1, not {options.MaxChunkBytes}");
        }

        if (options.MaxChunkRows is < 1)
        {
            failures.Add("Exports:MaxChunkRows", $"must be at least 1 when set, not {options.MaxChunkRows}");
        }

        if (ServerOptions.ParseCompression(options.Compression) is null)
        {
            failures.Add("Exports:Compression", $"must be none or gzip, not '{options.Compression}'");
        }

        if (options.CompressionLevel is < ChunkLimits.MinCompressionLevel or > ChunkLimits.MaxCompressionLevel)
        {
            failures.Add("Exports:CompressionLevel",
                $"must be between {ChunkLimits.MinCompressionLevel} and {ChunkLimits.MaxCompressionLevel}, not {options.CompressionLevel}");
        }

        if (options.RetryAttempts is < 1 or > ExportRetryOptions.MaxAllowedAttempts)
        {
            failures.Add("Exports:RetryAttempts", $"must be between 1 and {ExportRetryOptions.MaxAllowedAttempts}, not {options.RetryAttempts}");
        }

        if (options.RetryDelay < TimeSpan.Zero)
        {
            failures.Add("Exports:RetryDelay", $"must not be negative, not {options.RetryDelay:c}");
        }
        else if (options.RetryMaxDelay < options.RetryDelay)
        {
            failures.Add("Exports:RetryMaxDelay", $"must be at least Exports:RetryDelay ({options.RetryDelay:c}), not {options.RetryMaxDelay:c}");
        }

        if (options.RangeTasks is < 1 or > 99_999)
        {
            failures.Add("Exports:RangeTasks", $"must be between 1 and 99999, not {options.RangeTasks}");
        }

        if (options.Parallelism is < 1 or > ChunkedCsvWriter.MaxParallelism)
        {
            failures.Add("Exports:Parallelism", $"must be between 1 and {ChunkedCsvWriter.MaxParallelism}, not {options.Parallelism}");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            failures.Add("Exports:HeartbeatInterval", $"must be more than 0, not {options.HeartbeatInterval:c}");
        }
        else if (options.LeaseDuration < options.HeartbeatInterval * 2)
        {
            failures.Add("Exports:LeaseDuration",
                $"must be at least twice Exports:HeartbeatInterval ({options.HeartbeatInterval:c}), not {options.LeaseDuration:c}");
        }

        if (options.DrainTimeout < TimeSpan.Zero)
        {
            failures.Add("Exports:DrainTimeout", $"must not be negative, not {options.DrainTimeout:c}");
        }

        // The PostgreSQL and S3 settings, checked together by the rules AddVoucherExport applies in any host.
        var service = new VoucherExportOptions
        {
            Sink = options.Sink,
            S3 = s3.Value,
            Registry = registry.Value,
            Ledger = new LedgerDatabaseOptions
            {
                ConnectionString = ledger.Value.ConnectionString,
                Schema = ledger.Value.Schema,
                Table = ledger.Value.Table,
                VouchersTable = ledger.Value.VouchersTable,
                Partitions = ledger.Value.Partitions,
            },
        };
        foreach (var (setting, problem) in ServiceParts.Problems(service))
        {
            failures.Add(ServerOptions.ServerKey(setting), problem);
        }

        return failures.Result();
    }
}
