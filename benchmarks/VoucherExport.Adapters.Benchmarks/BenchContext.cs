using Npgsql;
using VoucherExport.PostgreSql;

namespace VoucherExport.Adapters.Benchmarks;

/// <summary>What every case shares: the loaded table, how many rows, how many runs, where files go.</summary>
internal sealed record BenchContext(NpgsqlDataSource DataSource, string ConnectionString, PostgresLedgerOptions Ledger, long Rows, int Runs, string WorkDirectory);
