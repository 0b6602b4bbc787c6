using Npgsql;

namespace VoucherExport.PostgreSql;

/// <summary>
/// Splits the ledger into <c>created_at</c> ranges of about equal row counts: from the planner's histogram of the
/// column when the table has been analyzed (free), else equal time slices between the first and last row (two index
/// look-ups). Bounds are instants as stored, so a range query compares exactly.
/// </summary>
internal static class LedgerPartitions
{
    /// <summary>
    /// Up to <paramref name="partitions"/> − 1 ascending, distinct bounds; range k is [bound k−1, bound k), the first
    /// and last open-ended. Fewer bounds (even none) when the table has too few distinct instants.
    /// </summary>
    public static async Task<DateTime[]> BoundsAsync(
        NpgsqlConnection connection, PostgresLedgerOptions options, int partitions, CancellationToken cancellationToken)
    {
        if (partitions <= 1)
        {
            return [];
        }

        List<DateTime> histogram = await HistogramAsync(connection, options, cancellationToken).ConfigureAwait(false);
        if (histogram.Count >= partitions + 1)
        {
            var bounds = new SortedSet<DateTime>();
            for (int k = 1; k < partitions; k++)
            {
                bounds.Add(histogram[(int)((long)k * (histogram.Count - 1) / partitions)]);
            }

            return [.. bounds];
        }

        return await TimeSlicesAsync(connection, options, partitions, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<DateTime>> HistogramAsync(
        NpgsqlConnection connection, PostgresLedgerOptions options, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            "SELECT b FROM pg_stats AS s, unnest(s.histogram_bounds::text::timestamptz[]) AS b "
            + "WHERE s.schemaname = $1 AND s.tablename = $2 AND s.attname = 'created_at' ORDER BY b",
            connection);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = options.Schema });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = options.Table });
            var bounds = new List<DateTime>();
            NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    bounds.Add(reader.GetFieldValue<DateTime>(0));
                }
            }

            return bounds;
        }
    }

    private static async Task<DateTime[]> TimeSlicesAsync(
        NpgsqlConnection connection, PostgresLedgerOptions options, int partitions, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            $"SELECT min(t.created_at), max(t.created_at) FROM {options.QualifiedTable} AS t", connection);
        await using (command.ConfigureAwait(false))
        {
            NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.IsDBNull(0))
                {
                    return [];
                }

                long first = reader.GetFieldValue<DateTime>(0).Ticks / 10;
                long last = reader.GetFieldValue<DateTime>(1).Ticks / 10;
                var bounds = new SortedSet<DateTime>();
                for (int k = 1; k < partitions; k++)
                {
                    long micros = first + (long)((last - first) * (double)k / partitions);
                    if (micros > first && micros <= last)
                    {
                        bounds.Add(LedgerFilterSql.Microseconds(micros));
                    }
                }

                return [.. bounds];
            }
        }
    }
}
