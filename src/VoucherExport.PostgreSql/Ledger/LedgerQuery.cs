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
