using System.Text;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Integration.Tests.S3;
using VoucherExport.Integration.Tests.Service;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>
/// One export split into <c>created_at</c> range tasks that two registries on one PostgreSQL store work, published to
/// Ceph as one chunk sequence: the whole export is the serial export's bytes, chunk boundaries fall at task boundaries too.
/// </summary>
public class RangeTaskTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private static readonly ChunkLimits SmallChunks = new() { MaxChunkBytes = 24 * 1024 };

    private static ExportRegistryOptions Options(string name) => new()
    {
        MaxConcurrentExports = 1,
        Chunks = SmallChunks,
        WorkerName = name,
        PollInterval = TimeSpan.FromMilliseconds(50),
        RangeTasks = 4,
    };

    public static TheoryData<string, string?> Exports => new()
    {
        { "created_at", null },
        { "-created_at", """{"type":{"conditions":{"$in":["CREDITS_REDEMPTION","POINTS_ACCRUAL","CREDITS_ADDITION"]}}}""" },
    };

    [ServiceFact]
    public async Task ASplitExportWorkedByTwoRegistriesIsTheSerialExportChunkedAtTaskBoundaries()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: true, exports: true);
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(6000, seed: 5).AsSource(), db.Ledger);
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 200 });
        var store = new PostgresExportStore(db.DataSource, db.Exports);
        await using var one = new ExportRegistry(store, source, bucket.Factory, Options("one"));
        await using var two = new ExportRegistry(new PostgresExportStore(db.DataSource, db.Exports), source, bucket.Factory, Options("two"));

        foreach ((string order, string? filters) in Exports.Select(row => ((string)row[0], (string?)row[1])))
        {
            ExportParameters parameters = PgTestData.AllFields(order, filters);
            List<byte[]> reference = await PgTestData.ExportAsync(PgTestData.Request(parameters, SmallChunks), source);

            ExportObject created = await one.CreateAsync("app", ExportScope.All, parameters);
            ExportObject done = (await two.WaitAsync("app", created.Id))!;
            Assert.True(done.Status == ExportStatus.Done, $"{order}: {done.Status} {done.Error}");

            // The tasks: contiguous ranges, numbered in the export's order, all DONE, hidden from the application.
            IReadOnlyList<ExportJob> tasks = await store.GetRangeTasksAsync(created.Id, CancellationToken.None);
            Assert.InRange(tasks.Count, 2, 4);
            Assert.All(tasks, t => Assert.Equal(ExportStatus.Done, t.Export.Status));
            Assert.Equal(Enumerable.Range(1, tasks.Count), tasks.Select(t => t.RangeTask!.Range.Task));
            List<ExportRange> ascending = [.. tasks.Select(t => t.RangeTask!.Range).OrderBy(r => r.From ?? DateTimeOffset.MinValue)];
            Assert.Null(ascending[0].From);
            Assert.Null(ascending[^1].Before);
            for (int i = 1; i < ascending.Count; i++)
            {
                Assert.Equal(ascending[i - 1].Before, ascending[i].From);
            }

            Assert.Null(await one.GetAsync("app", tasks[0].Export.Id));
            Assert.DoesNotContain((await one.ListAsync("app", 100, 1)).Exports, e => e.Id.Contains("-t", StringComparison.Ordinal));

            // One chunk sequence: task-qualified names in byte order, as S3 lists them; every task with rows in it.
            IReadOnlyList<ExportChunk> chunks = done.Result!.Chunks;
            string[] names = [.. chunks.Select(c => c.Info.Name)];
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            Assert.All(names, n => Assert.Matches("^part-0000[1-4]-[0-9]{5}\\.csv$", n));
            Assert.True(names.Select(n => n[..10]).Distinct().Count() >= 2, string.Join(", ", names));
            Assert.Equal(tasks.Sum(t => t.Export.Result!.Rows), done.Result.Rows);

            // The whole export, repeated headers dropped, is the serial export's bytes; so is every chunk's hash.
            IChunkSink sink = bucket.Factory.Create(created.Id);
            var stored = new List<byte[]>();
            foreach (ExportChunk chunk in chunks)
            {
                byte[] bytes = await ReadAsync(sink, chunk.Info.Name);
                Assert.Equal(chunk.Info.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
                stored.Add(bytes);
            }

            Assert.Equal(Encoding.UTF8.GetString(Whole(reference)), Encoding.UTF8.GetString(Whole(stored)));

            // One manifest beside them, listing the same chunks in the same order.
            using JsonDocument manifest = JsonDocument.Parse(await ReadAsync(sink, ExportEngine.ManifestName));
            Assert.Equal(names, manifest.RootElement.GetProperty("result").GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        }
    }

    [PostgresFact]
    public async Task TheSplitComesFromTheRowsTheExportSelectsNotTheWholeTable()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: true, exports: false);
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(5000, seed: 2).AsSource(), db.Ledger);
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger);
        List<VoucherTransaction> rows = await PgTestData.ReadAllAsync(source, new TransactionQuery(null, ExportOrder.CreatedAtAscending, PgTestData.Now));

        // The whole ledger: three bounds that cut it into quarters of about equal counts.
        IReadOnlyList<DateTimeOffset> whole = await source.SplitAsync(new TransactionQuery(null, ExportOrder.CreatedAtAscending, PgTestData.Now), 4, CancellationToken.None);
        Assert.Equal(3, whole.Count);
        for (int k = 0; k < 3; k++)
        {
            int before = rows.Count(r => r.CreatedAt < whole[k]);
            Assert.InRange(before, (k + 1) * 1250 - 50, (k + 1) * 1250 + 50);
        }

        // Only the last tenth of the rows selected by an as-of point and a type filter: bounds inside what they keep.
        DateTimeOffset asOf = rows[4499].CreatedAt;
        FilterSet? filters = PgTestData.Parameters("""{"filters":{"type":{"conditions":{"$in":["POINTS_ACCRUAL"]}}}}""").Filters;
        var query = new TransactionQuery(filters, ExportOrder.CreatedAtDescending, PgTestData.Now) { AsOf = asOf };
        List<VoucherTransaction> kept = [.. rows.Where(r => r.CreatedAt <= asOf && r.Type == "POINTS_ACCRUAL")];
        Assert.True(kept.Count > 100, $"{kept.Count} rows kept");
        IReadOnlyList<DateTimeOffset> narrow = await source.SplitAsync(query, 3, CancellationToken.None);
        Assert.Equal(2, narrow.Count);
        Assert.All(narrow, b => Assert.Contains(kept, r => r.CreatedAt == b));
        int first = kept.Count(r => r.CreatedAt < narrow[0]);
        Assert.InRange(first, kept.Count / 3 - 10, kept.Count / 3 + 10);

        // No row selected: no bounds, the export runs whole.
        Assert.Empty(await source.SplitAsync(query with { AsOf = rows[0].CreatedAt.AddDays(-1) }, 4, CancellationToken.None));
    }

    private static byte[] Whole(List<byte[]> chunks)
    {
        // Concatenated with each repeated header (the first CRLF-ended line) dropped: SPEC §5.
        var whole = new MemoryStream();
        for (int i = 0; i < chunks.Count; i++)
        {
            int skip = i == 0 ? 0 : chunks[i].AsSpan().IndexOf((byte)'\n') + 1;
            whole.Write(chunks[i], skip, chunks[i].Length - skip);
        }

        return whole.ToArray();
    }

    private static async Task<byte[]> ReadAsync(IChunkSink sink, string name)
    {
        await using Stream stream = await sink.OpenReadAsync(name, CancellationToken.None);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
