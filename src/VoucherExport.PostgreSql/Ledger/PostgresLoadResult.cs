namespace VoucherExport.PostgreSql;

/// <summary>What <see cref="PostgresLedgerLoader.ReplaceAsync"/> stored.</summary>
/// <param name="Transactions">Ledger rows now in the table.</param>
/// <param name="Vouchers">Vouchers now in the directory (0 when none were given and the directory was left alone).</param>
public sealed record PostgresLoadResult(long Transactions, long Vouchers);
