namespace VoucherExport.Hosting;

/// <summary>
/// <c>Registry:*</c>: the durable PostgreSQL registry every instance shares. Without a connection string the registry is
/// kept in memory (lost on restart, one process only).
/// </summary>
public sealed class RegistryDatabaseOptions
{
    /// <summary><c>Registry:ConnectionString</c>: an Npgsql connection string or a <c>postgres://user:password@host:port/db</c> URL.</summary>
    public string? ConnectionString { get; set; }

    /// <summary><c>Registry:Schema</c>: the schema of the registry's tables; default <c>public</c>.</summary>
    public string Schema { get; set; } = "public";

    /// <summary><c>Registry:Table</c>: the exports table; default <c>voucher_exports</c>.</summary>
    public string Table { get; set; } = "voucher_exports";
}
