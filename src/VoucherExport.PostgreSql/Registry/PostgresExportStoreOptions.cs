namespace VoucherExport.PostgreSql;

/// <summary>Where the durable export store keeps its table. Immutable; validated when the store is built.</summary>
public sealed record PostgresExportStoreOptions
{
    /// <summary>The schema of the table; default <c>public</c>.</summary>
    public string Schema { get; init; } = "public";

    /// <summary>The table name; default <c>voucher_exports</c>, the name the shipped schema creates.</summary>
    public string Table { get; init; } = "voucher_exports";

    /// <summary>The defaults.</summary>
    public static PostgresExportStoreOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public PostgresExportStoreOptions Validate()
    {
        SqlIdentifier.Validate(Schema, nameof(Schema));
        SqlIdentifier.Validate(Table, nameof(Table));
        return this;
    }

    /// <summary>The quoted <c>schema.table</c> for SQL text.</summary>
    internal string QualifiedTable => $"{SqlIdentifier.Quote(Schema)}.{SqlIdentifier.Quote(Table)}";
}
