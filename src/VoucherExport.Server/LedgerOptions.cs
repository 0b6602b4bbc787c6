using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Server;

/// <summary>Where the server's transactions come from: the demo ledger (default) or a JSON Lines file (<c>Ledger:*</c>).</summary>
public sealed record LedgerOptions
{
    /// <summary>100,000 rows: enough for multi-chunk exports and realistic filters, generated on the fly in well under a second.</summary>
    public const long DefaultDemoRows = 100_000;

    /// <summary><c>Ledger:ConnectionString</c>: a PostgreSQL ledger (Npgsql connection string or <c>postgres://</c> URL), or null.</summary>
    public string? ConnectionString { get; init; }

    /// <summary><c>Ledger:Schema</c>: the schema of the PostgreSQL ledger table; null for <c>public</c>.</summary>
    public string? Schema { get; init; }

    /// <summary><c>Ledger:Table</c>: the PostgreSQL ledger table or view; null for <c>voucher_transactions</c>.</summary>
    public string? Table { get; init; }

    /// <summary><c>Ledger:VouchersTable</c>: the vouchers table beside the PostgreSQL ledger (used without <c>Ledger:Vouchers</c>); null for <c>vouchers</c>.</summary>
    public string? VouchersTable { get; init; }

    /// <summary><c>Ledger:Partitions</c>: <c>created_at</c> ranges of the PostgreSQL ledger read at once; null for 1.</summary>
    public int? Partitions { get; init; }

    /// <summary><c>Ledger:DemoRows</c>: the size of the demo ledger when no <see cref="Path"/> is given.</summary>
    public long DemoRows { get; init; } = DefaultDemoRows;

    /// <summary><c>Ledger:DemoSeed</c>: the demo ledger's seed; 1, the seed the CLI and the docs use, so codes match.</summary>
    public int DemoSeed { get; init; } = 1;

    /// <summary><c>Ledger:Path</c>: a JSON Lines ledger (SPEC §3) to serve instead of the demo ledger, or null.</summary>
    public string? Path { get; init; }

    /// <summary><c>Ledger:Vouchers</c>: vouchers as JSON Lines, resolving codes, campaigns and member cards of <see cref="Path"/>.</summary>
    public string? VouchersPath { get; init; }

    /// <summary><c>Ledger:Order</c>: the order <see cref="Path"/> is known to be in, so exports in that order stream unsorted.</summary>
    public ExportOrder? DeclaredOrder { get; init; }

    /// <summary>
    /// <c>Ledger:MalformedRows</c>: <c>Fail</c> (default: a bad row of <see cref="Path"/> ends the export in ERROR naming the line)
    /// or <c>Skip</c> (bad rows are left out and counted in the result's <c>skipped_rows</c> and the log).
    /// </summary>
    public MalformedRowPolicy MalformedRows { get; init; } = MalformedRowPolicy.Fail;

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

    /// <summary>Throws <see cref="ServerConfigurationException"/> naming the first bad setting.</summary>
    public LedgerOptions Validate()
    {
        if (DemoRows < 0)
        {
            throw new ServerConfigurationException("Ledger:DemoRows", $"must be 0 or more, not {DemoRows}");
        }

        if (Path is not null && !File.Exists(Path))
        {
            throw new ServerConfigurationException("Ledger:Path", $"no such file: {Path}");
        }

        if (VouchersPath is not null && !File.Exists(VouchersPath))
        {
            throw new ServerConfigurationException("Ledger:Vouchers", $"no such file: {VouchersPath}");
        }

        if (VouchersPath is not null && Path is null && ConnectionString is null)
        {
            throw new ServerConfigurationException("Ledger:Vouchers", "is only used with Ledger:Path or Ledger:ConnectionString (the demo ledger has its own vouchers)");
        }

        if (ConnectionString is not null && Path is not null)
        {
            throw new ServerConfigurationException("Ledger:ConnectionString", "a ledger is either a database or a file; Ledger:Path is set too");
        }

        return this;
    }
}
