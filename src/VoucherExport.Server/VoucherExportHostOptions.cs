using VoucherExport.Transactions;

namespace VoucherExport.Server;

/// <summary>What a host (the CLI, a test) gives the server beyond its configuration files. Everything is optional.</summary>
public sealed record VoucherExportHostOptions
{
    /// <summary>Settings that override appsettings.json, the environment and the arguments (e.g. <c>Ledger:DemoRows</c>, <c>urls</c>).</summary>
    public IReadOnlyDictionary<string, string?>? Settings { get; init; }

    /// <summary>The folder appsettings.json and relative paths are read from; null for the working folder.</summary>
    public string? ContentRoot { get; init; }

    /// <summary>The clock of exports (created_at, relative dates), download tokens and idempotency keys; null for the system clock.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>A ledger to serve instead of the configured one (with <see cref="Vouchers"/> to resolve its codes).</summary>
    public ITransactionSource? Source { get; init; }

    /// <summary>The voucher directory that goes with <see cref="Source"/>; null for one that knows no voucher.</summary>
    public IVoucherDirectory? Vouchers { get; init; }
}
