namespace VoucherExport.PostgreSql;

/// <summary>Where the ledger table is and how it is read. Immutable; validated when a source or loader is built.</summary>
public sealed record PostgresLedgerOptions
{
    /// <summary>The schema of the table; default <c>public</c>, where a database keeps its tables unless told otherwise.</summary>
    public string Schema { get; init; } = "public";

    /// <summary>The table name; default <c>voucher_transactions</c>, the name the shipped schema creates.</summary>
    public string Table { get; init; } = "voucher_transactions";

    /// <summary>
    /// The voucher directory in the same schema (<c>id, code, campaign_id, campaign, type</c>); default <c>vouchers</c>.
    /// A table the shipped schema creates, or a view over a schema of the user's own.
    /// </summary>
    public string VouchersTable { get; init; } = "vouchers";

    /// <summary>Rows per batch handed to the engine; default 1024, the engine's own write batch.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>
    /// How many <c>created_at</c> ranges an export is split into and read at once, each on its own connection;
    /// default 1 (one ordered query), since on a small machine the database and the writer already share the cores.
    /// </summary>
    public int Partitions { get; init; } = 1;

    /// <summary>
    /// Batches a partition may read ahead of the one being written; default 16 (16 K rows), enough to keep its query
    /// busy while an earlier partition drains, small enough to keep memory flat.
    /// </summary>
    public int PartitionReadAhead { get; init; } = 16;

    /// <summary>
    /// Seconds a query may wait for the server; default 0 (no limit), since an export streams for as long as it takes
    /// and is stopped by its cancellation token instead.
    /// </summary>
    public int CommandTimeoutSeconds { get; init; }

    /// <summary>The defaults.</summary>
    public static PostgresLedgerOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public PostgresLedgerOptions Validate()
    {
        SqlIdentifier.Validate(Schema, nameof(Schema));
        SqlIdentifier.Validate(Table, nameof(Table));
        SqlIdentifier.Validate(VouchersTable, nameof(VouchersTable));
        if (VouchersTable == Table)
        {
            throw new ArgumentException($"{nameof(VouchersTable)} must differ from {nameof(Table)} ('{Table}')", nameof(VouchersTable));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Partitions, 1, nameof(Partitions));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Partitions, 64, nameof(Partitions));
        ArgumentOutOfRangeException.ThrowIfLessThan(PartitionReadAhead, 1, nameof(PartitionReadAhead));
        ArgumentOutOfRangeException.ThrowIfNegative(CommandTimeoutSeconds, nameof(CommandTimeoutSeconds));
        return this;
    }

    /// <summary>The quoted <c>schema.table</c> for SQL text.</summary>
    internal string QualifiedTable => $"{SqlIdentifier.Quote(Schema)}.{SqlIdentifier.Quote(Table)}";

    /// <summary>The quoted <c>schema.vouchers</c> for SQL text.</summary>
    internal string QualifiedVouchersTable => $"{SqlIdentifier.Quote(Schema)}.{SqlIdentifier.Quote(VouchersTable)}";
}
