using Npgsql;
using VoucherExport.Demo;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Testing;

/// <summary>
/// A large demo ledger put into a throwaway PostgreSQL schema as fast as this machine allows, for the tests and
/// measurements that need millions of rows (the kill -9 resume test, <c>--kill-resume</c>). Linked into both projects.
/// </summary>
/// <remarks>
/// <see cref="PostgresLedgerLoader.ReplaceAsync"/> copies into a table that already has its primary key and three indexes;
/// at 2M rows that took 64 s here, most of it keeping the primary key on the random ids. This creates the tables, drops
/// every index and unique constraint of the ledger table (as the catalog lists them, so it follows the schema file),
/// copies the rows with the same loader, then builds them again with a larger <c>maintenance_work_mem</c>: about half the time.
/// The table is also made <c>UNLOGGED</c> with autovacuum off: it is test data, thrown away with its schema, and the
/// process these tests kill is the export server, never PostgreSQL.
/// </remarks>
public static class BulkLedgerLoad
{
    /// <summary>Loads <paramref name="ledger"/> (and its vouchers) into the ledger tables of <paramref name="options"/>.</summary>
    public static async Task LoadAsync(NpgsqlDataSource dataSource, PostgresLedgerOptions options, DemoLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        // The tables (created when missing, emptied) and the vouchers, through the loader; the ledger rows come below.
        await PostgresLedgerLoader.ReplaceAsync(dataSource, new InMemoryTransactionSource([]), ledger.Vouchers, options);
        string table = $"\"{options.Schema}\".\"{options.Table}\"";
        var constraints = new List<(string Name, string Definition)>();
        var indexes = new List<(string Name, string Definition)>();
        await using (NpgsqlConnection connection = await dataSource.OpenConnectionAsync())
        {
            await ExecuteAsync(connection, $"ALTER TABLE {table} SET UNLOGGED");
            await ExecuteAsync(connection, $"ALTER TABLE {table} SET (autovacuum_enabled = false)");
            await using (var command = new NpgsqlCommand(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u')", connection))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    constraints.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            await using (var command = new NpgsqlCommand(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = $1::regclass " +
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", connection))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    indexes.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            foreach (var (name, _) in indexes)
            {
                await ExecuteAsync(connection, $"DROP INDEX {name}");
            }

            foreach (var (name, _) in constraints)
            {
                await ExecuteAsync(connection, $"ALTER TABLE {table} DROP CONSTRAINT \"{name}\"");
            }
        }

        // The loader's binary COPY (and ANALYZE) into the bare table: ReplaceAsync would create the indexes again first.
        await PostgresLedgerLoader.LoadAsync(dataSource, ledger.AsSource(), options);

        await using (NpgsqlConnection connection = await dataSource.OpenConnectionAsync())
        {
            await ExecuteAsync(connection, "SET maintenance_work_mem = '256MB'");
            foreach (var (name, definition) in constraints)
            {
                await ExecuteAsync(connection, $"ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}");
            }

            foreach (var (_, definition) in indexes)
            {
                await ExecuteAsync(connection, definition);
            }

            await ExecuteAsync(connection, $"ANALYZE {table}");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}
