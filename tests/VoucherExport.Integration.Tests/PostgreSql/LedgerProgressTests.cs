using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>Progress of a PostgreSQL export: a total from the planner's estimate of the export's own query.</summary>
public class LedgerProgressTests
{
    private const int LedgerRows = 20_000;

    [PostgresFact]
    public async Task TheReadKnowsTheQuerysEstimatedRowsFromItsFirstBatchAndCountsWhatItReads()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        // The loader analyzes the table, as a database with autovacuum would have by then.
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(LedgerRows, seed: 9).AsSource(), db.Ledger);

        string?[] filters =
        [
            null,
            """{"type":{"conditions":{"$in":["CREDITS_REDEMPTION"]}}}""",
            """{"junction":"or","amount":{"conditions":{"$less_than":0}},"source":{"conditions":{"$is":"API"}}}""",
        ];
        foreach (int partitions in new[] { 1, 3 })
        {
            var source = new PostgresTransactionSource(db.DataSource, db.Ledger with { Partitions = partitions, BatchSize = 500 });
            foreach (string? filter in filters)
            {
                ExportParameters parameters = PgTestData.AllFields("-created_at", filter);
                var query = new TransactionQuery(parameters.Filters, parameters.Order, PgTestData.Now);
                long atFirstBatch = -1;
                long rows = 0;
                await foreach (var batch in source.ReadAsync(query, CancellationToken.None))
                {
                    if (atFirstBatch < 0)
                    {
                        atFirstBatch = query.ReadProgress.Total;
                    }

                    rows += batch.Length;
                }

                string what = $"{partitions} partition(s), filters {filter ?? "none"}";
                Assert.True(rows > 1000, $"{what}: {rows} rows, too few to judge an estimate by");
                Assert.Equal(ProgressUnit.EstimatedRows, query.ReadProgress.Unit);
                Assert.Equal(rows, query.ReadProgress.Done);
                Assert.Equal(query.ReadProgress.Total, atFirstBatch);
                // An estimate, so not exact; but after ANALYZE within a factor of two of the rows the query returned, and
                // within 10 % of them for the whole table (its row count is the statistics' own).
                long total = query.ReadProgress.Total;
                Assert.InRange(total, rows / 2, rows * 2);
                if (filter is null)
                {
                    Assert.InRange(total, rows * 9 / 10, rows * 11 / 10);
                }
            }
        }
    }

    [PostgresFact]
    public async Task AnExportsProgressHasAPercentFromTheEstimateClampedAt100()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(LedgerRows, seed: 10).AsSource(), db.Ledger);
        var reports = new List<ExportProgress>();
        ExportRequest request = PgTestData.Request(PgTestData.AllFields());
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 1000 });

        ExportResult result = await ExportEngine.RunAsync(
            request, source, new Chunks.InMemoryChunkSinkFactory(), new Recorder(reports), CancellationToken.None);

        Assert.Equal(LedgerRows, result.Result.Rows);
        var estimated = reports.Where(p => p.PhaseUnit == ProgressUnit.EstimatedRows).ToList();
        Assert.True(estimated.Count >= 10, $"{estimated.Count} progress reports counted in estimated rows");
        Assert.All(estimated, p =>
        {
            Assert.Equal(ExportPhase.Writing, p.Phase);
            Assert.True(p.PhaseTotal > 0);
            Assert.InRange(p.PhaseFraction!.Value, 0, 1);
        });
        // The reports follow the rows read: done rises to the rows of the export, whatever the estimate said.
        Assert.Equal(LedgerRows, estimated[^1].PhaseDone);
        Assert.True(estimated.Zip(estimated.Skip(1)).All(p => p.First.PhaseDone <= p.Second.PhaseDone));
        // The export object does not give an estimate out as its total_rows (that is an exact count after a sort).
        ExportObject running = request.Export with { Status = ExportStatus.InProgress, Progress = estimated[0] };
        string json = System.Text.Encoding.UTF8.GetString(ExportJson.ToUtf8(running));
        Assert.Contains("\"percent\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("total_rows", json, StringComparison.Ordinal);
    }

    /// <summary>Keeps every report, on the reporting thread (no <see cref="Progress{T}"/> posting).</summary>
    private sealed class Recorder(List<ExportProgress> reports) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
