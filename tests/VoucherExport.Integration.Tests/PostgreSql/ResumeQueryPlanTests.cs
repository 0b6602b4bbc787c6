using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>
/// A resumed attempt's query (the keyset seek past the last recorded row, beside the as-of point) walks the
/// <c>(created_at, id)</c> index from the resume point in the export's order: no sort and no scan of the whole table.
/// Found by <c>scripts/measure-resume</c>: with the row comparison alone, PostgreSQL 15 planned a parallel sequential
/// scan of the whole ledger and a sort for every resume, so each attempt read every row again before its first chunk.
/// </summary>
public class ResumeQueryPlanTests
{
    private const int Rows = 100_000;

    [PostgresFact]
    public async Task AResumedQueryWalksTheIndexFromTheResumePoint()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        var ledger = new DemoLedger(Rows, seed: 5);
        await PostgresLedgerLoader.LoadAsync(db.DataSource, ledger.AsSource(), db.Ledger);
        TransactionKey[] keys = [.. ledger.Transactions().Select(t => new TransactionKey(t.CreatedAt, t.Id))];

        foreach (ExportOrder order in (ExportOrder[])[ExportOrder.CreatedAtAscending, ExportOrder.CreatedAtDescending])
        {
            foreach (double done in (double[])[0.2, 0.8, 0.99])
            {
                // The row the previous attempt's last chunk ended on, `done` of the way through the export's order.
                int at = (int)(Rows * done);
                var query = new TransactionQuery(null, order, PgTestData.Now)
                {
                    AsOf = PgTestData.Now,
                    After = order == ExportOrder.CreatedAtAscending ? keys[at] : keys[Rows - 1 - at],
                };

                string plan = await ExplainAsync(db, query);
                string what = $"{order} resumed {done:P0} of the way:\n{plan}";
                Assert.True(plan.Contains("Index Scan", StringComparison.Ordinal) && plan.Contains("voucher_transactions_created_at_id", StringComparison.Ordinal), what);
                Assert.False(plan.Contains("Sort", StringComparison.Ordinal), what);
                Assert.False(plan.Contains("Seq Scan", StringComparison.Ordinal), what);
            }
        }
    }

    private static async Task<string> ExplainAsync(PgTestDatabase db, TransactionQuery query)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var command = LedgerQuery.Create(db.Ledger, query, pushFilters: true, null, null);
        command.Connection = connection;
        command.CommandText = "EXPLAIN " + command.CommandText;
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        return string.Join("\n", plan);
    }
}
