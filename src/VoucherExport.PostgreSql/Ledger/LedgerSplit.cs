using System.Text;
using Npgsql;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>
/// Cuts the rows one export selects into <c>created_at</c> ranges of about equal counts: the percentiles of
/// <c>created_at</c> over the rows its filters and as-of point keep. A large table is sampled by blocks (about a million
/// rows read), so the split of a billion-row ledger costs seconds, not a scan.
/// </summary>
internal static class LedgerSplit
{
    /// <summary>Above this many rows in the table (the planner's count), the percentiles come from a block sample.</summary>
    public const double SampleAbove = 4_000_000;

    private const double SampleRows = 1_000_000;

    public static async Task<IReadOnlyList<DateTimeOffset>> BoundsAsync(
        NpgsqlDataSource dataSource, PostgresLedgerOptions options, TransactionQuery query, int ranges, CancellationToken cancellationToken)
    {
        if (ranges <= 1)
        {
            return [];
        }

        NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            double tableRows = await TableRowsAsync(connection, options, cancellationToken).ConfigureAwait(false);
            DateTime[]? bounds = null;
            if (tableRows > SampleAbove)
            {
                double percent = Math.Max(0.01, 100 * SampleRows / tableRows);
                bounds = await PercentilesAsync(connection, options, query, ranges, percent, cancellationToken).ConfigureAwait(false);
            }

            // A small table, or filters so narrow that the sample held none of their rows: the rows themselves.
            bounds ??= await PercentilesAsync(connection, options, query, ranges, samplePercent: null, cancellationToken).ConfigureAwait(false);
            if (bounds is null)
            {
                return [];
            }

            var distinct = new SortedSet<DateTime>(bounds);
            return [.. distinct.Select(b => new DateTimeOffset(DateTime.SpecifyKind(b, DateTimeKind.Utc)))];
        }
    }

    private static async Task<double> TableRowsAsync(NpgsqlConnection connection, PostgresLedgerOptions options, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT c.reltuples::float8 FROM pg_class AS c WHERE c.oid = to_regclass($1)", connection);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = options.QualifiedTable });
            object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is double rows ? rows : 0;
        }
    }

    private static async Task<DateTime[]?> PercentilesAsync(
        NpgsqlConnection connection, PostgresLedgerOptions options, TransactionQuery query, int ranges, double? samplePercent,
        CancellationToken cancellationToken)
    {
        var parameters = new List<NpgsqlParameter>();
        var sql = new StringBuilder(256).Append("SELECT percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY t.created_at) FROM ")
            .Append(options.QualifiedTable).Append(" AS t");
        var fractions = new double[ranges - 1];
        for (int k = 1; k < ranges; k++)
        {
            fractions[k - 1] = (double)k / ranges;
        }

        parameters.Add(new NpgsqlParameter<double[]> { TypedValue = fractions });
        if (samplePercent is { } percent)
        {
            parameters.Add(new NpgsqlParameter<double> { TypedValue = percent });
            sql.Append(" TABLESAMPLE SYSTEM ($2) REPEATABLE (12)");
        }

        sql.Append(" WHERE ");

        // Filters that cannot be pushed (an operand no stored text can hold) select no row the split could see anyway.
        LedgerFilterSql.Append(sql, parameters, LedgerFilterSql.CanPush(query.Filters) ? query.Filters : null, query.Now);
        if (query.AsOf is { } asOf)
        {
            parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = asOf.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            sql.Append(" AND t.created_at <= $").Append(parameters.Count);
        }

        var command = new NpgsqlCommand(sql.ToString(), connection) { CommandTimeout = options.CommandTimeoutSeconds };
        await using (command.ConfigureAwait(false))
        {
            foreach (NpgsqlParameter parameter in parameters)
            {
                command.Parameters.Add(parameter);
            }

            object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DateTime[] bounds && bounds.Length > 0 && Array.TrueForAll(bounds, b => b != default) ? bounds : null;
        }
    }
}
