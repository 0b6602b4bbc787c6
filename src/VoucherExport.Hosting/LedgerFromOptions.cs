using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Hosting;

/// <summary>The ledger and vouchers named by <see cref="VoucherExportOptions"/>, for hosts that register none of their own.</summary>
internal sealed class LedgerFromOptions(OpenedLedger ledger) : IDisposable
{
    public ITransactionSource Source => ledger.Source ?? throw new InvalidOperationException(
        $"VoucherExport has no ledger: register an {nameof(ITransactionSource)}, or set {VoucherExportOptions.SectionName}:Ledger:ConnectionString, " +
        $"{VoucherExportOptions.SectionName}:LedgerPath (a JSON Lines file) or {VoucherExportOptions.SectionName}:DemoRows");

    public IVoucherDirectory Vouchers => ledger.Vouchers;

    public OpenedLedger Ledger => ledger;

    /// <summary>Opens the ledger through <see cref="LedgerOpener"/> and checks a database ledger answers; a failure names the setting.</summary>
    public static LedgerFromOptions Create(VoucherExportOptions options)
    {
        var location = new LedgerLocation
        {
            ConnectionString = options.Ledger.ConnectionString,
            Schema = options.Ledger.Schema,
            Table = options.Ledger.Table,
            VouchersTable = options.Ledger.VouchersTable,
            Partitions = options.Ledger.Partitions,
            Path = options.LedgerPath,
            VouchersPath = options.VouchersPath,
            DemoRows = options.DemoRows,
            DeclaredOrder = LedgerLocation.TryParseOrder(options.LedgerOrder, out ExportOrder? order) ? order : null,
        };
        OpenedLedger ledger;
        try
        {
            ledger = LedgerOpener.Open(location);
        }
        catch (ArgumentException e)
        {
            throw new VoucherExportStartException(Setting(e.ParamName), e.Message.Split(" (Parameter", 2)[0], e);
        }

        try
        {
            LedgerOpener.CheckAsync(ledger).GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            ledger.Dispose();
            throw new VoucherExportStartException("Ledger:ConnectionString", e.Message, e);
        }

        return new LedgerFromOptions(ledger);
    }

    public void Dispose() => ledger.Dispose();

    private static string Setting(string? property) => property switch
    {
        nameof(LedgerLocation.ConnectionString) => "Ledger:ConnectionString",
        nameof(LedgerLocation.Schema) => "Ledger:Schema",
        nameof(LedgerLocation.Table) => "Ledger:Table",
        nameof(LedgerLocation.VouchersTable) => "Ledger:VouchersTable",
        nameof(LedgerLocation.Partitions) => "Ledger:Partitions",
        nameof(LedgerLocation.VouchersPath) => nameof(VoucherExportOptions.VouchersPath),
        nameof(LedgerLocation.DemoRows) => nameof(VoucherExportOptions.DemoRows),
        nameof(LedgerLocation.DeclaredOrder) => nameof(VoucherExportOptions.LedgerOrder),
        _ => nameof(VoucherExportOptions.LedgerPath),
    };
}
