using System.Text;
using Npgsql;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>The SELECT of one export (or of one <c>created_at</c> range of it), with its parameters.</summary>
internal static class LedgerQuery
{
    /// <summary>
    /// Builds the command text: the pushed-down filters (unless <paramref name="pushFilters"/> is false), the range
    /// [<paramref name="from"/>, <paramref name="to"/>) when given, the query's as-of point and resume key, and the export order on the qualified columns so
    /// that the (created_at, id) index serves it.
    /// </summary>
    public static NpgsqlCommand Create(
        PostgresLedgerOptions options, TransactionQuery query, bool pushFilters, DateTime? from, DateTime? to)
    {
        var parameters = new List<NpgsqlParameter>();
        var sql = new StringBuilder(512)
            .Append("SELECT ").Append(LedgerRows.SelectList)
            .Append(" FROM ").Append(options.QualifiedTable).Append(" AS t WHERE ");
        LedgerFilterSql.Append(sql, parameters, pushFilters ? query.Filters : null, query.Now);
        AppendRange(sql, parameters, from, to);
        bool ascending = query.Order == ExportOrder.CreatedAtAscending;
        if (query.AsOf is { } asOf)
        {
            // The export's rows are fixed at its first start.
            parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = asOf.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            sql.Append(" AND t.created_at <= $").Append(parameters.Count);
        }

        if (query.CreatedFrom is not null || query.CreatedBefore is not null)
        {
            // One range task of a split export.
            AppendRange(sql, parameters, query.CreatedFrom?.UtcDateTime, query.CreatedBefore?.UtcDateTime);
        }

        if (query.After is { } after)
        {
            // A resumed attempt: a keyset seek past the last committed row, served by the (created_at, id) index.
            parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = after.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            parameters.Add(new NpgsqlParameter<string> { TypedValue = after.Id, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            sql.Append(" AND (t.created_at, t.id) ").Append(ascending ? '>' : '<')
                .Append(" ($").Append(parameters.Count - 1).Append(", $").Append(parameters.Count).Append(')');

            // The same bound on created_at alone, implied by the row comparison. PostgreSQL estimates a row comparison
            // badly: without this it planned a parallel scan of the whole table and a sort for a resume past the middle
            // (ResumeQueryPlanTests), so every attempt read every row again before its first chunk.
            sql.Append(" AND t.created_at ").Append(ascending ? ">=" : "<=").Append(" $").Append(parameters.Count - 1);
        }

        string direction = ascending ? "ASC" : "DESC";
        sql.Append(" ORDER BY t.created_at ").Append(direction).Append(", t.id ").Append(direction);

        var command = new NpgsqlCommand(sql.ToString()) { CommandTimeout = options.CommandTimeoutSeconds };
        foreach (NpgsqlParameter parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>
    /// Within <paramref name="transaction"/>, makes the planner take the rows in order from the <c>(created_at, id)</c>
    /// index rather than scan the table and sort it, when the query has no field filters (a whole ledger, a range task, a
    /// resumed attempt). The planner's own choice for a large table was a parallel scan of every row and a sort: a
    /// resumed attempt then read the whole table again, and the first row came only after the sort. With field filters
    /// it chooses: another index may serve them better.
    /// </summary>
    public static async Task PreferIndexOrderAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TransactionQuery query, CancellationToken cancellationToken)
    {
        if (query.Filters is { Clauses.IsDefaultOrEmpty: false })
        {
            return;
        }

        var command = new NpgsqlCommand("SET LOCAL enable_sort = off", connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void AppendRange(StringBuilder sql, List<NpgsqlParameter> parameters, DateTime? from, DateTime? to)
    {
        if (from is { } start)
        {
            parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = start, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            sql.Append(" AND t.created_at >= $").Append(parameters.Count);
        }

        if (to is { } end)
        {
            parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = end, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            sql.Append(" AND t.created_at < $").Append(parameters.Count);
        }
    }
}
