namespace VoucherExport.PostgreSql;

/// <summary>Where the durable export store keeps its table. Immutable; validated when the store is built.</summary>
public sealed record PostgresExportStoreOptions
{
    /// <summary>The schema of the table; default <c>public</c>.</summary>
    public string Schema { get; init; } = "public";

    /// <summary>The table name; default <c>voucher_exports</c>, the name the shipped schema creates.</summary>
    public string Table { get; init; } = "voucher_exports";

    /// <summary>
    /// Whose clock lease times come from: the database's (default), so instances whose clocks drift apart still agree on
    /// when a lease ran out; or the caller's (the registry's <see cref="TimeProvider"/>), for tests that drive leases with
    /// a fake clock.
    /// </summary>
    public LeaseClock LeaseClock { get; init; } = LeaseClock.Database;

    /// <summary>The defaults.</summary>
    public static PostgresExportStoreOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public PostgresExportStoreOptions Validate()
    {
        SqlIdentifier.Validate(Schema, nameof(Schema));
        SqlIdentifier.Validate(Table, nameof(Table));
        return this;
    }

    /// <summary>The quoted table of chunk records (<c>{table}_chunks</c>) for SQL text.</summary>
    internal string QualifiedChunksTable => $"{SqlIdentifier.Quote(Schema)}.{SqlIdentifier.Quote(Table + "_chunks")}";

    /// <summary>The quoted table of finished exports' chunk lists (<c>{table}_published</c>) for SQL text.</summary>
    internal string QualifiedPublishedTable => $"{SqlIdentifier.Quote(Schema)}.{SqlIdentifier.Quote(Table + "_published")}";

    /// <summary>The channel the store notifies on when an export is added, handed back or ends.</summary>
    /// (A hash of schema and table: a channel is an identifier of at most 63 bytes.)
    internal string Channel => "vx_exports_" + Convert.ToHexStringLower(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{Schema}.{Table}")))[..20];

    /// <summary>The quoted <c>schema.table</c> for SQL text.</summary>
    internal string QualifiedTable => $"{SqlIdentifier.Quote(Schema)}.{SqlIdentifier.Quote(Table)}";
}
