using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Hosting;

/// <summary>
/// Where a ledger is, as the command line, the server and hosts name it: a PostgreSQL table, a JSON Lines or CSV file, or
/// the generated demo ledger. <see cref="LedgerOpener.Open"/> opens it.
/// </summary>
public sealed record LedgerLocation
{
    /// <summary>A PostgreSQL ledger: a connection string or <c>postgres://…?schema=…&amp;table=…&amp;partitions=…</c> URL.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The schema of the PostgreSQL ledger table; null for the URL's <c>schema</c>, else <c>public</c>.</summary>
    public string? Schema { get; init; }

    /// <summary>The PostgreSQL ledger table; null for the URL's <c>table</c>, else <c>voucher_transactions</c>.</summary>
    public string? Table { get; init; }

    /// <summary>The PostgreSQL vouchers table beside the ledger; null for the URL's <c>vouchers</c>, else <c>vouchers</c>. Used when no <see cref="VouchersPath"/> is given.</summary>
    public string? VouchersTable { get; init; }

    /// <summary><c>created_at</c> ranges read at once; null for the URL's <c>partitions</c>, else 1.</summary>
    public int? Partitions { get; init; }

    /// <summary>A ledger file: <c>.csv</c> is read as CSV, anything else as JSON Lines.</summary>
    public string? Path { get; init; }

    /// <summary>
    /// Vouchers as JSON Lines, resolving codes, campaigns and member cards; null for none (the demo ledger brings its own,
    /// a PostgreSQL ledger reads its vouchers table).
    /// </summary>
    public string? VouchersPath { get; init; }

    /// <summary>With no database and no file: the rows of the generated demo ledger; 0 for no ledger at all.</summary>
    public long DemoRows { get; init; }

    /// <summary>The demo ledger's seed; 1, the seed the docs use.</summary>
    public int DemoSeed { get; init; } = 1;

    /// <summary>The order a JSON Lines file is known to be in, so exports in that order stream unsorted.</summary>
    public ExportOrder? DeclaredOrder { get; init; }

    /// <summary>
    /// Reads a declared order as every surface spells it (<c>--source-order</c>, <c>Ledger:Order</c>,
    /// <c>VoucherExport:LedgerOrder</c>): <c>created_at</c> or <c>-created_at</c>, null for none; false for any other text.
    /// </summary>
    internal static bool TryParseOrder(string? text, out ExportOrder? order)
    {
        order = text switch
        {
            "created_at" => ExportOrder.CreatedAtAscending,
            "-created_at" => ExportOrder.CreatedAtDescending,
            _ => null,
        };
        return text is null || order is not null;
    }

    /// <summary>What a malformed row of a file does.</summary>
    public MalformedRowPolicy MalformedRows { get; init; } = MalformedRowPolicy.Fail;
}
