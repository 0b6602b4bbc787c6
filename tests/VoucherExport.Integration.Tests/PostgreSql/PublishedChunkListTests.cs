using Npgsql;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>
/// A finished export's chunk list lives in <c>{table}_published</c>, one row per chunk, so the export's row stays small;
/// reads put the list back, exactly as the row's JSON used to give it.
/// </summary>
public class PublishedChunkListTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [PostgresFact]
    public async Task AManyChunkExportReadsBackAsBeforeWhileItsRowStaysSmall()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        var store = new PostgresExportStore(db.DataSource, db.Exports);
        ExportJob big = await FinishAsync(store, "app", T0, Chunks(3_000));
        ExportJob small = await FinishAsync(store, "app", T0.AddSeconds(1), Chunks(1));

        // As before: what the row's JSON held, read back (timestamps to the millisecond, a plain chunk's size once).
        ExportObject expected = ExportJson.Read(ExportJson.ToUtf8(big.Export, indented: false));
        ExportJob got = (await new PostgresExportStore(db.DataSource, db.Exports).GetAsync("app", big.Export.Id, default))!;
        AssertSame(expected, got.Export);

        ExportPage page = await store.ListAsync("app", 10, 1, ExportListOrder.CreatedAtAscending, default);
        Assert.Equal([big.Export.Id, small.Export.Id], page.Exports.Select(e => e.Id));
        AssertSame(expected, page.Exports[0]);
        AssertSame(ExportJson.Read(ExportJson.ToUtf8(small.Export, indented: false)), page.Exports[1]);

        IReadOnlyList<ExportRecord> recent = await store.ListRecentAsync(["app"], 10, default);
        AssertSame(expected, recent.Single(r => r.Job.Export.Id == big.Export.Id).Job.Export);

        // The row does not grow with the list: 3,000 chunks and 1 chunk store JSON of about the same size.
        long bigRow = await RowBytesAsync(db, big.Export.Id);
        long smallRow = await RowBytesAsync(db, small.Export.Id);
        Assert.True(Math.Abs(bigRow - smallRow) < 1024, $"the export JSON of 3,000 chunks is {bigRow} bytes, of 1 chunk {smallRow}");
        Assert.True(bigRow < 4096, $"the export JSON of 3,000 chunks is {bigRow} bytes");
        Assert.Equal(3_001L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Published(db)}"));
    }

    [PostgresFact]
    public async Task ARowStoredTheOldWayStillReadsWithItsChunks()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);

        // A table from before the list had a table of its own: no result_chunks column, no {table}_published.
        await db.ExecuteAsync($"DROP TABLE {Published(db)}; ALTER TABLE {Table(db)} DROP COLUMN result_chunks");
        var export = new ExportObject
        {
            Id = ExportIds.NewId(),
            CreatedAt = T0,
            Status = ExportStatus.Done,
            Parameters = PgTestData.AllFields("-created_at"),
            Result = new ExportResultInfo("https://files.example/manifest.json", Chunks(40), 4_000, 40_000),
        };
        await using (NpgsqlCommand insert = db.DataSource.CreateCommand(
            $"INSERT INTO {Table(db)} (id, app_id, status, created_at, export, csv, max_chunk_bytes, updated_at) "
            + "VALUES ($1, 'app', 'DONE', $2, $3::jsonb, $4::jsonb, 65536, now())"))
        {
            insert.Parameters.AddWithValue(export.Id);
            insert.Parameters.AddWithValue(T0.UtcDateTime);
            insert.Parameters.AddWithValue(System.Text.Encoding.UTF8.GetString(ExportJson.ToUtf8(export, indented: false)));
            insert.Parameters.AddWithValue(CsvFormatJson.Write(CsvFormat.Default));
            await insert.ExecuteNonQueryAsync();
        }

        await PostgresExportStore.EnsureCreatedAsync(db.DataSource, db.Exports);
        var store = new PostgresExportStore(db.DataSource, db.Exports);
        ExportObject expected = ExportJson.Read(ExportJson.ToUtf8(export, indented: false));
        Assert.Equal(40, expected.Result!.Chunks.Count);
        AssertSame(expected, (await store.GetAsync("app", export.Id, default))!.Export);
        AssertSame(expected, (await store.ListAsync("app", 10, 1, ExportListOrder.CreatedAtDescending, default)).Exports.Single());
    }

    [PostgresFact]
    public async Task DeletingAnExportRemovesItsListAndALostFinishWritesNone()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        var store = new PostgresExportStore(db.DataSource, db.Exports);
        ExportJob kept = await FinishAsync(store, "app", T0, Chunks(5));
        ExportJob removed = await FinishAsync(store, "app", T0.AddSeconds(1), Chunks(7));
        Assert.Equal(12L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Published(db)}"));

        Assert.True(await store.RemoveAsync("app", removed.Export.Id, default));
        Assert.Null(await store.GetAsync("app", removed.Export.Id, default));
        Assert.Equal(5L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Published(db)}"));
        Assert.Equal(5, (await store.GetAsync("app", kept.Export.Id, default))!.Export.Result!.Chunks.Count);

        // A finish refused (its lease was taken over) leaves no list behind: the rows go in the row's own transaction.
        ExportJob job = Job("app", T0.AddSeconds(2));
        await store.AddAsync(job, default);
        ExportClaim stale = (await store.TryClaimAsync("w1", T0, Lease, default))!;
        await db.ExecuteAsync($"UPDATE {Table(db)} SET lease_owner = 'w2' WHERE id = '{job.Export.Id}'");
        Assert.False(await store.TryFinishAsync(Done(stale.Job, Chunks(9)), stale.Lease, default));
        Assert.Equal(5L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Published(db)}"));
        Assert.Equal(ExportStatus.InProgress, (await store.GetAsync("app", job.Export.Id, default))!.Export.Status);
    }

    [PostgresFact]
    public async Task ARangeTaskKeepsItsListForTheCoordinator()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        var store = new PostgresExportStore(db.DataSource, db.Exports);
        ExportJob parent = Job("app", T0);
        await store.AddAsync(parent, default);
        ExportClaim coordinator = (await store.TryClaimAsync("w1", T0, Lease, default))!;
        ExportJob[] tasks =
        [
            .. Enumerable.Range(1, 2).Select(task => parent with
            {
                Export = parent.Export with { Id = $"{parent.Export.Id}-t{task:D5}" },
                RangeTask = new ExportRangeTask(parent.Export.Id, new ExportRange { Task = task }, T0, null),
            }),
        ];
        Assert.NotNull(await store.TryAddRangeTasksAsync(coordinator.Lease, tasks, default));

        // Task 1 finishes with its chunks (named after the task); task 2 still runs.
        ExportClaim first = (await store.TryClaimRangeTaskAsync(parent.Export.Id, "w2", T0, Lease, default))!;
        List<ExportChunk> chunks =
        [
            .. Chunks(250).Select((c, i) => c with
            {
                Info = c.Info with { Name = ChunkInfo.NameFor(i + 1, c.Info.IsGzip ? ChunkCompression.Gzip : ChunkCompression.None, task: 1) },
            }),
        ];
        ExportJob done = Done(first.Job, chunks);
        Assert.True(await store.TryFinishAsync(done, first.Lease, default));

        IReadOnlyList<ExportJob> stored = await store.GetRangeTasksAsync(parent.Export.Id, default);
        Assert.Equal([ExportStatus.Done, ExportStatus.Scheduled], stored.Select(t => t.Export.Status));
        AssertSame(ExportJson.Read(ExportJson.ToUtf8(done.Export, indented: false)), stored[0].Export);
        Assert.Null(stored[1].Export.Result);
    }

    // A DONE export read back must equal what the JSON gave: every byte of its JSON, and every chunk field the JSON keeps.
    private static void AssertSame(ExportObject expected, ExportObject actual)
    {
        Assert.Equal(
            System.Text.Encoding.UTF8.GetString(ExportJson.ToUtf8(expected, indented: false)),
            System.Text.Encoding.UTF8.GetString(ExportJson.ToUtf8(actual, indented: false)));
        Assert.Equal(expected.Result!.Chunks, actual.Result!.Chunks);
    }

    private static async Task<ExportJob> FinishAsync(PostgresExportStore store, string app, DateTimeOffset createdAt, IReadOnlyList<ExportChunk> chunks)
    {
        await store.AddAsync(Job(app, createdAt), default);
        ExportClaim claim = (await store.TryClaimAsync("w1", createdAt, Lease, default))!;
        ExportJob done = Done(claim.Job, chunks);
        Assert.True(await store.TryFinishAsync(done, claim.Lease, default));
        return done;
    }

    private static ExportJob Done(ExportJob job, IReadOnlyList<ExportChunk> chunks) => job with
    {
        Export = job.Export with
        {
            Status = ExportStatus.Done,
            Progress = null,
            Result = new ExportResultInfo("https://files.example/manifest.json", chunks, chunks.Sum(c => c.Info.Rows), chunks.Sum(c => c.Info.Bytes))
            {
                SkippedRows = 3,
            },
        },
    };

    private static ExportJob Job(string app, DateTimeOffset createdAt) => new(
        app,
        new ExportObject { Id = ExportIds.NewId(), CreatedAt = createdAt, Parameters = PgTestData.AllFields("-created_at") },
        CsvFormat.Default,
        new ChunkLimits());

    // Plain and gzip chunks, with and without an address, timestamps finer than a millisecond, and an empty last chunk.
    private static List<ExportChunk> Chunks(int count)
    {
        var chunks = new List<ExportChunk>(count);
        for (int i = 1; i <= count; i++)
        {
            bool gzip = i % 3 == 0;
            bool empty = i == count && count > 1;
            DateTimeOffset first = T0.AddTicks(i * 7_654_321L);
            var info = new ChunkInfo(
                ChunkInfo.NameFor(i, gzip ? ChunkCompression.Gzip : ChunkCompression.None),
                empty ? 0 : 100 + i,
                10_000 + i,
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))),
                empty ? null : first,
                empty ? null : first.AddTicks(3_333_337),
                Oversize: i % 17 == 0)
            {
                UncompressedBytes = gzip ? 50_000 + i : null,
                LastId = empty ? null : $"vtx_{i}",
            };
            chunks.Add(new ExportChunk(info, i % 5 == 0 ? null : $"https://files.example/{info.Name}"));
        }

        return chunks;
    }

    private static string Table(PgTestDatabase db) => $"\"{db.Schema}\".\"{db.Exports.Table}\"";

    private static string Published(PgTestDatabase db) => $"\"{db.Schema}\".\"{db.Exports.Table}_published\"";

    private static async Task<long> RowBytesAsync(PgTestDatabase db, string id) =>
        await ScalarAsync<int>(db, $"SELECT octet_length(export::text) FROM {Table(db)} WHERE id = '{id}'");

    private static async Task<T> ScalarAsync<T>(PgTestDatabase db, string sql)
    {
        await using NpgsqlCommand command = db.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
