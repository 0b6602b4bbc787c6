using VoucherExport.Transactions;

namespace VoucherExport.Hosting;

/// <summary>The ledger and vouchers named by <see cref="VoucherExportOptions"/>, for hosts that register none of their own.</summary>
internal sealed class LedgerFromOptions
{
    private readonly ITransactionSource? _source;

    private LedgerFromOptions(ITransactionSource? source, IVoucherDirectory vouchers)
    {
        _source = source;
        Vouchers = vouchers;
    }

    public ITransactionSource Source => _source ?? throw new InvalidOperationException(
        $"VoucherExport has no ledger: register an {nameof(ITransactionSource)}, or set " +
        $"{VoucherExportOptions.SectionName}:LedgerPath (a JSON Lines file) or {VoucherExportOptions.SectionName}:DemoRows");

    public IVoucherDirectory Vouchers { get; }

    public static LedgerFromOptions Create(VoucherExportOptions options)
    {
        IVoucherDirectory vouchers = options.VouchersPath is { } path
            ? new InMemoryVoucherDirectory(VoucherJsonLines.Read(path))
            : InMemoryVoucherDirectory.Empty;
        if (options.LedgerPath is { } ledger)
        {
            return new LedgerFromOptions(new JsonLinesTransactionSource(ledger), vouchers);
        }

        if (options.DemoRows > 0)
        {
            var demo = new DemoLedger(options.DemoRows);
            return new LedgerFromOptions(demo.AsSource(), options.VouchersPath is null ? new InMemoryVoucherDirectory(demo.Vouchers) : vouchers);
        }

        return new LedgerFromOptions(null, vouchers);
    }
}
