namespace VoucherExport.Hosting;

/// <summary><c>Ledger:*</c> for a PostgreSQL ledger: where the transactions table is and how it is read.</summary>
public sealed class LedgerDatabaseOptions
{
    /// <summary><c>Ledger:ConnectionString</c>: an Npgsql connection string or a <c>postgres://</c> URL; null for no PostgreSQL ledger.</summary>
    public string? ConnectionString { get; set; }

    /// <summary><c>Ledger:Schema</c>: the schema of the ledger table; default <c>public</c>.</summary>
    public string? Schema { get; set; }

    /// <summary><c>Ledger:Table</c>: the ledger table (or a view of the same shape); default <c>voucher_transactions</c>.</summary>
    public string? Table { get; set; }

    /// <summary><c>Ledger:VouchersTable</c>: the vouchers table (or view) beside the ledger that resolves codes and campaigns; default <c>vouchers</c>.</summary>
    public string? VouchersTable { get; set; }

    /// <summary><c>Ledger:Partitions</c>: <c>created_at</c> ranges read at once, each on its own connection; default 1.</summary>
    public int? Partitions { get; set; }
}
