using Microsoft.Extensions.Configuration;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Server;

/// <summary>
/// Where the server's transactions come from (<c>Ledger:*</c>, bound by the options binder and checked at start): the
/// demo ledger (default), a JSON Lines file or a PostgreSQL table.
/// </summary>
public sealed class LedgerOptions
{
    /// <summary>100,000 rows: enough for multi-chunk exports and realistic filters, generated on the fly in well under a second.</summary>
    public const long DefaultDemoRows = 100_000;

    /// <summary><c>Ledger:ConnectionString</c>: a PostgreSQL ledger (Npgsql connection string or <c>postgres://</c> URL), or null.</summary>
    public string? ConnectionString { get; set; }

    /// <summary><c>Ledger:Schema</c>: the schema of the PostgreSQL ledger table; null for <c>public</c>.</summary>
    public string? Schema { get; set; }

    /// <summary><c>Ledger:Table</c>: the PostgreSQL ledger table or view; null for <c>voucher_transactions</c>.</summary>
    public string? Table { get; set; }

    /// <summary><c>Ledger:VouchersTable</c>: the vouchers table beside the PostgreSQL ledger (used without <c>Ledger:Vouchers</c>); null for <c>vouchers</c>.</summary>
    public string? VouchersTable { get; set; }

    /// <summary><c>Ledger:Partitions</c>: <c>created_at</c> ranges of the PostgreSQL ledger read at once (1 to 64); null for 1.</summary>
    public int? Partitions { get; set; }

    /// <summary><c>Ledger:DemoRows</c>: the size of the demo ledger when no <see cref="Path"/> is given.</summary>
    public long DemoRows { get; set; } = DefaultDemoRows;

    /// <summary><c>Ledger:DemoSeed</c>: the demo ledger's seed; 1, the seed the CLI and the docs use, so codes match.</summary>
    public int DemoSeed { get; set; } = 1;

    /// <summary><c>Ledger:Path</c>: a JSON Lines ledger (SPEC §3) to serve instead of the demo ledger, or null; relative to the content root.</summary>
    public string? Path { get; set; }

    /// <summary><c>Ledger:Vouchers</c>: vouchers as JSON Lines, resolving codes, campaigns and member cards of <see cref="Path"/>.</summary>
    [ConfigurationKeyName("Vouchers")]
    public string? VouchersPath { get; set; }

    /// <summary><c>Ledger:Order</c>: <c>created_at</c> or <c>-created_at</c>, the order <see cref="Path"/> is known to be in, so exports in that order stream unsorted.</summary>
    public string? Order { get; set; }

    /// <summary><see cref="Order"/> as an export order; null when unset (or not one of the two orders, which start-up refuses).</summary>
    public ExportOrder? DeclaredOrder => Hosting.LedgerLocation.TryParseOrder(Order, out ExportOrder? order) ? order : null;

    /// <summary>
    /// <c>Ledger:MalformedRows</c>: <c>Fail</c> (default: a bad row of <see cref="Path"/> ends the export in ERROR naming the line)
    /// or <c>Skip</c> (bad rows are left out and counted in the result's <c>skipped_rows</c> and the log).
    /// </summary>
    public MalformedRowPolicy MalformedRows { get; set; } = MalformedRowPolicy.Fail;

    /// <summary>Where the ledger is, for the opener the command line, the server and hosts share.</summary>
    public Hosting.LedgerLocation ToLocation() => new()
    {
        ConnectionString = ConnectionString,
        Schema = Schema,
        Table = Table,
        VouchersTable = VouchersTable,
        Partitions = Partitions,
        Path = Path,
        VouchersPath = VouchersPath,
        DemoRows = Path is null && ConnectionString is null ? DemoRows : 0,
        DemoSeed = DemoSeed,
        DeclaredOrder = DeclaredOrder,
        MalformedRows = MalformedRows,
    };
}
