using Microsoft.Extensions.Options;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Registry;

namespace VoucherExport.Hosting;

/// <summary>Checks <see cref="VoucherExportOptions"/> at start-up and names every bad key.</summary>
internal sealed class VoucherExportOptionsValidator : IValidateOptions<VoucherExportOptions>
{
    public ValidateOptionsResult Validate(string? name, VoucherExportOptions options)
    {
        var failures = new List<string>();
        string key = VoucherExportOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add($"{key}:DataDirectory must name a folder");
        }

        if (options.MaxConcurrentExports < 1)
        {
            failures.Add($"{key}:MaxConcurrentExports must be at least 1, not {options.MaxConcurrentExports}");
        }

        if (options.MaxChunkBytes < 1)
        {
            failures.Add($"{key}:MaxChunkBytes must be at least 1, not {options.MaxChunkBytes}");
        }

        if (options.MaxChunkRows is < 1)
        {
            failures.Add($"{key}:MaxChunkRows must be at least 1 when set, not {options.MaxChunkRows}");
        }

        if (!OptionsMapping.TryCompression(options.Compression, out _))
        {
            failures.Add($"{key}:Compression must be 'none' or 'gzip', not '{options.Compression}'");
        }

        if (options.CompressionLevel is < ChunkLimits.MinCompressionLevel or > ChunkLimits.MaxCompressionLevel)
        {
            failures.Add(
                $"{key}:CompressionLevel must be between {ChunkLimits.MinCompressionLevel} and {ChunkLimits.MaxCompressionLevel}, not {options.CompressionLevel}");
        }

        if (!OptionsMapping.TryDelimiter(options.Delimiter, out _))
        {
            failures.Add($"{key}:Delimiter must be ',', ';', '|' or 'tab', not '{options.Delimiter}'");
        }

        if (!OptionsMapping.TryNewline(options.Newline, out _))
        {
            failures.Add($"{key}:Newline must be 'crlf' or 'lf', not '{options.Newline}'");
        }

        if (!OptionsMapping.TryHeader(options.Header, out _))
        {
            failures.Add($"{key}:Header must be 'labels' or 'names', not '{options.Header}'");
        }

        if (options.LedgerPath is { } ledger && !File.Exists(ledger))
        {
            failures.Add($"{key}:LedgerPath: no such file: {ledger}");
        }

        if (!LedgerLocation.TryParseOrder(options.LedgerOrder, out _))
        {
            failures.Add($"{key}:LedgerOrder must be created_at or -created_at, not '{options.LedgerOrder}'");
        }

        if (options.VouchersPath is { } vouchers && !File.Exists(vouchers))
        {
            failures.Add($"{key}:VouchersPath: no such file: {vouchers}");
        }

        if (options.DemoRows < 0)
        {
            failures.Add($"{key}:DemoRows must be 0 or more, not {options.DemoRows}");
        }

        if (options.RetryAttempts is < 1 or > ExportRetryOptions.MaxAllowedAttempts)
        {
            failures.Add($"{key}:RetryAttempts must be between 1 and {ExportRetryOptions.MaxAllowedAttempts}, not {options.RetryAttempts}");
        }

        if (options.RetryDelay < TimeSpan.Zero)
        {
            failures.Add($"{key}:RetryDelay must not be negative");
        }
        else if (options.RetryMaxDelay < options.RetryDelay)
        {
            failures.Add($"{key}:RetryMaxDelay must be at least {key}:RetryDelay ({options.RetryDelay:c}), not {options.RetryMaxDelay:c}");
        }

        if (options.DrainTimeout < TimeSpan.Zero)
        {
            failures.Add($"{key}:DrainTimeout must not be negative");
        }

        if (options.RangeTasks is < 1 or > 99_999)
        {
            failures.Add($"{key}:RangeTasks must be between 1 and 99999, not {options.RangeTasks}");
        }

        if (options.Parallelism is < 1 or > ChunkedCsvWriter.MaxParallelism)
        {
            failures.Add($"{key}:Parallelism must be between 1 and {ChunkedCsvWriter.MaxParallelism}, not {options.Parallelism}");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            failures.Add($"{key}:HeartbeatInterval must be more than 0, not {options.HeartbeatInterval:c}");
        }
        else if (options.LeaseDuration < options.HeartbeatInterval * 2)
        {
            failures.Add($"{key}:LeaseDuration must be at least twice {key}:HeartbeatInterval ({options.HeartbeatInterval:c}), not {options.LeaseDuration:c}");
        }

        failures.AddRange(ServiceParts.Problems(options).Select(p => $"{key}:{p.Setting}: {p.Problem}"));

        if (options.Webhook.Url is { } url)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{key}:Webhook:Url must be an absolute http(s) URL, not '{url}'");
            }

            if (string.IsNullOrEmpty(options.Webhook.Secret))
            {
                failures.Add($"{key}:Webhook:Secret is required with a webhook URL (receivers check the signature with it)");
            }

            if (options.Webhook.MaxAttempts < 1)
            {
                failures.Add($"{key}:Webhook:MaxAttempts must be at least 1");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
