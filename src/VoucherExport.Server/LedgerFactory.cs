using VoucherExport.Transactions;

namespace VoucherExport.Server;

/// <summary>Opens the ledger <see cref="LedgerOptions"/> names: the demo ledger, or a JSON Lines file with its vouchers.</summary>
internal static class LedgerFactory
{
    public static (ITransactionSource Source, IVoucherDirectory Vouchers, string Description) Open(LedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Path is null)
        {
            var ledger = new DemoLedger(options.DemoRows, options.DemoSeed);
            return (ledger.AsSource(), new InMemoryVoucherDirectory(ledger.Vouchers),
                $"demo ledger of {options.DemoRows:N0} rows (seed {options.DemoSeed}, {ledger.Vouchers.Count:N0} vouchers)");
        }

        IVoucherDirectory vouchers = InMemoryVoucherDirectory.Empty;
        int count = 0;
        if (options.VouchersPath is not null)
        {
            try
            {
                var list = VoucherJsonLines.Read(options.VouchersPath);
                count = list.Count;
                vouchers = new InMemoryVoucherDirectory(list);
            }
            catch (LedgerFormatException e)
            {
                throw new ServerConfigurationException("Ledger:Vouchers", e.Message);
            }
        }

        var source = new JsonLinesTransactionSource(options.Path, new JsonLinesSourceOptions { DeclaredOrder = options.DeclaredOrder, MalformedRows = options.MalformedRows });
        return (source, vouchers, $"JSON Lines ledger {options.Path} ({count:N0} vouchers)");
    }
}
