using Npgsql;
using VoucherExport.PostgreSql;

namespace VoucherExport.Hosting;

/// <summary>The PostgreSQL database of a shared registry: its connections and where its tables are.</summary>
internal sealed class RegistryDatabase(NpgsqlDataSource dataSource, PostgresExportStoreOptions options) : IDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public PostgresExportStoreOptions Options { get; } = options;

    public void Dispose() => DataSource.Dispose();
}
