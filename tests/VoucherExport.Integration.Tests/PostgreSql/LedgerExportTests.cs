using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

public class LedgerExportTests
{
    private static readonly string[] s_filters =
    [
        """{"type":{"conditions":{"$in":["CREDITS_REDEMPTION","POINTS_ACCRUAL"]}}}""",
        """{"junction":"or","amount":{"conditions":{"$less_than":0}},"reason":{"conditions":{"$contains":"\""}}}""",
        """{"created_at":{"conditions":{"$less_than":30}},"source":{"conditions":{"$is_not":"API"}}}""",
    ];

    [PostgresFact]
    public async Task TheSameLedgerFromJsonLinesAndFromPostgresGivesTheSameBytes()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(4000, seed: 7).AsSource(), db.Ledger);
        var postgres = new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 100 });

        // The ledger as the table holds it (jsonb keeps details with its keys in its own order): written out as JSON Lines.
        string path = Path.Combine(Path.GetTempPath(), $"vx-{db.Schema}.jsonl");
        try
        {
            var rows = await PgTestData.ReadAllAsync(postgres, new TransactionQuery(null, ExportOrder.CreatedAtAscending, PgTestData.Now));
            Assert.Equal(4000, rows.Count);
            PgTestData.WriteJsonLines(path, rows.AsEnumerable().Reverse());
            var jsonLines = new JsonLinesTransactionSource(path);

            foreach (string order in new[] { "created_at", "-created_at" })
            {
                foreach (string? filters in s_filters.Prepend(null))
                {
                    var request = PgTestData.Request(PgTestData.AllFields(order, filters));
                    List<byte[]> fromFile = await PgTestData.ExportAsync(request, jsonLines);
                    List<byte[]> fromTable = await PgTestData.ExportAsync(request, postgres);
                    Assert.True(fromFile.Count > (filters is null ? 5 : 0), $"{order} {filters}: too few chunks to mean much");
                    Assert.Equal(fromFile.Count, fromTable.Count);
                    for (int i = 0; i < fromFile.Count; i++)
                    {
                        Assert.True(fromFile[i].AsSpan().SequenceEqual(fromTable[i]), $"{order} {filters}: chunk {i + 1} differs");
                    }
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [PostgresFact]
    public async Task DetailsComeBackCompactAndEqualAsJsonToWhatWasLoaded()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        var ledger = new DemoLedger(500, seed: 3);
        await PostgresLedgerLoader.LoadAsync(db.DataSource, ledger.AsSource(), db.Ledger);
        var loaded = ledger.Transactions().ToDictionary(t => t.Id);
        var postgres = new PostgresTransactionSource(db.DataSource, db.Ledger);
        var rows = await PgTestData.ReadAllAsync(postgres, new TransactionQuery(null, ExportOrder.CreatedAtAscending, PgTestData.Now));

        Assert.Equal(loaded.Keys.Order(StringComparer.Ordinal), rows.Select(r => r.Id).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            var original = loaded[row.Id];
            Assert.DoesNotContain((byte)' ', row.Details.ToArray().Where((_, i) => !InsideString(row.Details.Span, i)));
            Assert.True(JsonElement.DeepEquals(Parse(original.Details), Parse(row.Details)), row.Id);
            Assert.Equal((original.Amount, original.Balance, original.CreatedAt, original.Reason, original.RelatedTransactionId),
                (row.Amount, row.Balance, row.CreatedAt, row.Reason, row.RelatedTransactionId));
        }
    }

    [PostgresFact]
    public async Task PartitionsReadAtOnceGiveTheBytesOfTheSerialExport()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(20_000, seed: 11).AsSource(), db.Ledger);
        var serial = new PostgresTransactionSource(db.DataSource, db.Ledger);
        foreach (int partitions in new[] { 2, 5 })
        {
            var parallel = new PostgresTransactionSource(db.DataSource, db.Ledger with { Partitions = partitions, BatchSize = 200, PartitionReadAhead = 2 });
            foreach (string order in new[] { "created_at", "-created_at" })
            {
                foreach (string? filters in new[] { null, s_filters[1] })
                {
                    var request = PgTestData.Request(PgTestData.AllFields(order, filters), new ChunkLimits { MaxChunkBytes = 256 * 1024 });
                    List<byte[]> one = await PgTestData.ExportAsync(request, serial);
                    List<byte[]> many = await PgTestData.ExportAsync(request, parallel);
                    Assert.Equal(one.Count, many.Count);
                    for (int i = 0; i < one.Count; i++)
                    {
                        Assert.True(one[i].AsSpan().SequenceEqual(many[i]), $"{partitions} partitions, {order} {filters}: chunk {i + 1} differs");
                    }
                }
            }
        }
    }

    [PostgresFact]
    public async Task PartitionBoundsSplitTheLedgerIntoSimilarShares()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(20_000, seed: 5).AsSource(), db.Ledger);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        DateTime[] bounds = await LedgerPartitions.BoundsAsync(connection, db.Ledger, 4, CancellationToken.None);

        Assert.Equal(3, bounds.Length);
        var all = await PgTestData.ReadAllAsync(new PostgresTransactionSource(db.DataSource, db.Ledger),
            new TransactionQuery(null, ExportOrder.CreatedAtAscending, PgTestData.Now));
        int previous = 0;
        foreach (DateTime bound in bounds.Append(DateTime.MaxValue))
        {
            int upTo = all.Count(r => r.CreatedAt.UtcDateTime < bound);
            Assert.InRange(upTo - previous, 3000, 7000);
            previous = upTo;
        }
    }

    [PostgresFact]
    public async Task ALargeExportStreamsInReusedBatchesWithFlatMemory()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        const int rows = 200_000;
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(rows, seed: 2).AsSource(), db.Ledger);
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 16 });
        var query = new TransactionQuery(null, ExportOrder.CreatedAtAscending, PgTestData.Now);

        long seen = 0;
        var early = new List<WeakReference>();
        int stillAlive = -1;
        VoucherTransaction[]? array = null;
        DateTimeOffset last = DateTimeOffset.MinValue;
        await foreach (var batch in source.ReadAsync(query, CancellationToken.None))
        {
            Assert.True(MemoryMarshal.TryGetArray(batch, out var segment));
            array ??= segment.Array;
            Assert.Same(array, segment.Array);
            foreach (var row in batch.Span)
            {
                Assert.True(row.CreatedAt >= last);
                last = row.CreatedAt;
            }

            seen += batch.Length;
            if (seen == 20_000)
            {
                Track(batch.Span, early);
            }
            else if (seen == rows - 16)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                stillAlive = early.Count(w => w.IsAlive);
            }
        }

        Assert.Equal(rows, seen);
        Assert.Equal(16, early.Count);

        // Nothing holds on to rows already handed out: 180,000 rows later, the rows of an early batch are garbage.
        // (A weak reference rather than GC.GetTotalMemory: the heap is shared with the tests running beside this one.)
        Assert.Equal(0, stillAlive);
    }

    // Not inlined: when the reads complete synchronously, the async loop's frame lives on across batches, and a local
    // there could still point at the last row tracked.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Track(ReadOnlySpan<VoucherTransaction> rows, List<WeakReference> into)
    {
        foreach (var row in rows)
        {
            into.Add(new WeakReference(row));
        }
    }

    [PostgresFact]
    public async Task WithMoreThreadsRowsAreFetchedAndDecodedAheadOfTheCallerAndComeOutTheSame()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(20_000, seed: 5).AsSource(), db.Ledger);
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 500 });
        var one = new TransactionQuery(null, ExportOrder.CreatedAtDescending, PgTestData.Now);
        List<string> serial = [.. (await PgTestData.ReadAllAsync(source, one)).Select(r => r.Id)];

        var two = new TransactionQuery(null, ExportOrder.CreatedAtDescending, PgTestData.Now) { Parallelism = 2 };
        var ahead = new List<string>();
        long readBeforeTheSecondBatch = -1;
        await foreach (var batch in source.ReadAsync(two, CancellationToken.None))
        {
            if (ahead.Count == 0)
            {
                // The caller holds the first batch and asks for nothing: the source must go on reading by itself. Without
                // a reader of its own the count would stay at this first batch, and the wait end in the assertion below.
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (two.ReadProgress.Done <= batch.Length && waited.Elapsed < TimeSpan.FromSeconds(60))
                {
                    await Task.Delay(10);
                }

                readBeforeTheSecondBatch = two.ReadProgress.Done;
            }

            foreach (var row in batch.Span)
            {
                ahead.Add(row.Id);
            }
        }

        Assert.True(readBeforeTheSecondBatch > 500, $"read {readBeforeTheSecondBatch} rows before the caller asked for more than 500");
        Assert.Equal(serial, ahead);
        Assert.Equal(20_000, two.ReadProgress.Done);
    }

    [PostgresFact]
    public async Task AnAbandonedReadCancelsItsQueryInsteadOfDrainingIt()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(50_000, seed: 4).AsSource(), db.Ledger);
        // One range read on the caller's thread, one read ahead on a thread of its own, three ranges at once.
        foreach ((int partitions, int threads) in new[] { (1, 1), (1, 2), (3, 2) })
        {
            var source = new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 10, Partitions = partitions });
            var query = new TransactionQuery(null, ExportOrder.CreatedAtDescending, PgTestData.Now) { Parallelism = threads };
            int batches = 0;
            await foreach (var batch in source.ReadAsync(query, CancellationToken.None))
            {
                if (++batches == 3)
                {
                    break;
                }
            }

            Assert.Equal(3, batches);
            // Only this test's schema: the other tests share the database and run beside this one.
            await using var command = db.DataSource.CreateCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT t.id%' AND query LIKE $1 AND datname = current_database()");
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = $"%\"{db.Schema}\".%" });
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        }
    }

    private static JsonElement Parse(ReadOnlyMemory<byte> json) => JsonDocument.Parse(json).RootElement.Clone();

    private static bool InsideString(ReadOnlySpan<byte> json, int at)
    {
        bool inside = false;
        for (int i = 0; i < at; i++)
        {
            if (json[i] == '\\' && inside)
            {
                i++;
            }
            else if (json[i] == '"')
            {
                inside = !inside;
            }
        }

        return inside;
    }
}
