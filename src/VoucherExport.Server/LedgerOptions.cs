using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Server;

/// <summary>Where the server's transactions come from: the demo ledger (default) or a JSON Lines file (<c>Ledger:*</c>).</summary>
public sealed record LedgerOptions
{
    /// <summary>100,000 rows: enough for multi-chunk exports and realistic filters, generated on the fly in well under a second.</summary>
    public const long DefaultDemoRows = 100_000;

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

        if (VouchersPath is not null && Path is null)
        {
            throw new ServerConfigurationException("Ledger:Vouchers", "is only used with Ledger:Path (the demo ledger has its own vouchers)");
        }

        return this;
    }
}
