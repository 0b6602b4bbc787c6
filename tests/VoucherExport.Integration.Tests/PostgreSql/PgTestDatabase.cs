using System.Security.Cryptography;
using Npgsql;
using VoucherExport.PostgreSql;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>
/// A private schema in the test database for one test, so tests run in parallel and again without meeting each other;
/// dropped when disposed.
/// </summary>
internal sealed class PgTestDatabase : IAsyncDisposable
{
    private PgTestDatabase(NpgsqlDataSource dataSource, string schema)
    {
        DataSource = dataSource;
        Schema = schema;
        Ledger = new PostgresLedgerOptions { Schema = schema };
        Exports = new PostgresExportStoreOptions { Schema = schema };
    }

    public NpgsqlDataSource DataSource { get; }

    public string Schema { get; }

    public PostgresLedgerOptions Ledger { get; }

    public PostgresExportStoreOptions Exports { get; }

    public static async Task<PgTestDatabase> CreateAsync(bool ledger = true, bool exports = false)
    {
        string? connectionString = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable);
        if (string.IsNullOrEmpty(connectionString))
        {
            throw new InvalidOperationException(
                $"{PostgresFactAttribute.Variable} is not set but CI=true: the PostgreSQL server must be started (scripts/start-postgres)");
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxPoolSize = 20;
        NpgsqlDataSource dataSource = builder.Build();
        string schema = "vx_t_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var db = new PgTestDatabase(dataSource, schema);
        if (ledger)
        {
            await PostgresLedgerSchema.EnsureCreatedAsync(dataSource, db.Ledger);
        }

        if (exports)
        {
            await PostgresExportStore.EnsureCreatedAsync(dataSource, db.Exports);
        }

        return db;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using (var command = DataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE"))
        {
            await command.ExecuteNonQueryAsync();
        }

        await DataSource.DisposeAsync();
    }
}
