using Npgsql;

namespace VoucherExport.PostgreSql;

/// <summary>
/// Creates the ledger table and its indexes (the embedded <c>voucher_transactions.sql</c>) and the voucher directory
/// (<c>vouchers.sql</c>) when missing.
/// </summary>
public static class PostgresLedgerSchema
{
    /// <summary>The schema script as shipped, with <c>{schema}</c>, <c>{table}</c> and <c>{name}</c> placeholders.</summary>
    public static string Script { get; } = EmbeddedSql.Read("voucher_transactions.sql");

    /// <summary>The voucher directory's script as shipped, with the same placeholders.</summary>
    public static string VouchersScript { get; } = EmbeddedSql.Read("vouchers.sql");

    /// <summary>The script for <paramref name="options"/>' schema, ledger table and voucher table.</summary>
    public static string ScriptFor(PostgresLedgerOptions? options = null)
    {
        options = (options ?? PostgresLedgerOptions.Default).Validate();
        return EmbeddedSql.Fill(Script, options.Schema, options.Table) + "\n"
            + EmbeddedSql.Fill(VouchersScript, options.Schema, options.VouchersTable);
    }

    /// <summary>
    /// Creates the schema, the ledger and voucher tables and their indexes if they do not exist. Safe to call from many processes at once: the
    /// script runs in one transaction under an advisory lock.
    /// </summary>
    public static Task EnsureCreatedAsync(
        NpgsqlDataSource dataSource, PostgresLedgerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return EmbeddedSql.RunLockedAsync(dataSource, ScriptFor(options), cancellationToken);
    }
}
