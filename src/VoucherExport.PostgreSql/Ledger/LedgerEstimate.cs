using System.Globalization;
using System.Text.Json;
using Npgsql;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>
/// How many rows an export's query will return, as the planner estimates it: <c>EXPLAIN (FORMAT JSON)</c> of the very
/// <c>SELECT</c> the export runs (its filters, as-of point and resume key, unsplit), so the progress of a PostgreSQL
/// export has a total. An estimate from the table's statistics, not a count: it costs one planning, never a scan.
/// </summary>
internal static class LedgerEstimate
{
    /// <summary>The planner's row estimate of the export's query (at least 1, as the planner never says 0).</summary>
    public static async Task<long> RowsAsync(
        NpgsqlConnection connection, PostgresLedgerOptions options, TransactionQuery query, bool pushFilters,
        CancellationToken cancellationToken)
    {
        NpgsqlCommand command = LedgerQuery.Create(options, query, pushFilters, from: null, to: null);
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = "EXPLAIN (FORMAT JSON) " + command.CommandText;
            command.Connection = connection;
            object? plan = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return PlanRows(plan as string ?? throw new InvalidOperationException("EXPLAIN (FORMAT JSON) returned no plan"));
        }
    }

    /// <summary>The top node's <c>Plan Rows</c> of an <c>EXPLAIN (FORMAT JSON)</c> answer.</summary>
    /// <exception cref="InvalidOperationException">The answer is not the plan PostgreSQL gives.</exception>
    internal static long PlanRows(string explain)
    {
        using var document = JsonDocument.Parse(explain);
        JsonElement root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0
            && root[0].TryGetProperty("Plan", out JsonElement plan)
            && plan.TryGetProperty("Plan Rows", out JsonElement rows)
            && rows.TryGetDouble(out double estimate)
            && double.IsFinite(estimate))
        {
            return (long)Math.Clamp(Math.Round(estimate), 1, 1e18);
        }

        throw new InvalidOperationException(string.Create(
            CultureInfo.InvariantCulture, $"EXPLAIN (FORMAT JSON) gave no [0].Plan.\"Plan Rows\": {explain[..Math.Min(explain.Length, 200)]}"));
    }
}
