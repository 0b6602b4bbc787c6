using Microsoft.Extensions.Options;

namespace VoucherExport.Server;

/// <summary>Checks <c>Ledger:*</c>: one kind of ledger, files that exist, a known order.</summary>
internal sealed class LedgerOptionsValidator : IValidateOptions<LedgerOptions>
{
    /// <summary>The most <c>created_at</c> ranges of a PostgreSQL ledger read at once.</summary>
    public const int MaxPartitions = 64;

    public ValidateOptionsResult Validate(string? name, LedgerOptions options)
    {
        var failures = new ConfigurationFailures();
        if (options.DemoRows < 0)
        {
            failures.Add("Ledger:DemoRows", $"must be 0 or more, not {options.DemoRows}");
        }

        if (options.Path is not null && !File.Exists(options.Path))
        {
            failures.Add("Ledger:Path", $"no such file: {options.Path}");
        }

        if (options.VouchersPath is not null && !File.Exists(options.VouchersPath))
        {
            failures.Add("Ledger:Vouchers", $"no such file: {options.VouchersPath}");
        }
        else if (options.VouchersPath is not null && options.Path is null && options.ConnectionString is null)
        {
            failures.Add("Ledger:Vouchers", "is only used with Ledger:Path or Ledger:ConnectionString (the demo ledger has its own vouchers)");
        }

        if (options.ConnectionString is not null && options.Path is not null)
        {
            failures.Add("Ledger:ConnectionString", "a ledger is either a database or a file; Ledger:Path is set too");
        }

        if (options.Order is not null && options.DeclaredOrder is null)
        {
            failures.Add("Ledger:Order", $"must be created_at or -created_at, not '{options.Order}'");
        }

        if (options.Partitions is < 1 or > MaxPartitions)
        {
            failures.Add("Ledger:Partitions", $"must be between 1 and {MaxPartitions}, not {options.Partitions}");
        }

        return failures.Result();
    }
}
