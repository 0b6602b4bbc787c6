using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>The PostgreSQL store keeps an export's compression (so any worker writes gzip chunks) and each chunk's two sizes.</summary>
public class CompressedExportStoreTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, 0, TimeSpan.Zero);

    [PostgresFact]
    public async Task CompressionAndBothChunkSizesSurviveTheStore()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        var store = new PostgresExportStore(db.DataSource, db.Exports);
        var gzip = new ChunkLimits { MaxChunkBytes = 4096, Compression = ChunkCompression.Gzip, CompressionLevel = 9 };
        var job = new ExportJob(
            "app",
            new ExportObject { Id = ExportIds.NewId(), CreatedAt = T0, Parameters = PgTestData.AllFields("-created_at", null) },
            CsvFormat.Default,
            gzip);
        var plain = job with { Export = job.Export with { Id = ExportIds.NewId(), CreatedAt = T0.AddSeconds(1) }, Chunks = new ChunkLimits() };
        await store.AddAsync(job, default);
        await store.AddAsync(plain, default);

        Assert.Equal(gzip, (await store.GetAsync("app", job.Export.Id, default))!.Chunks);
        Assert.Equal(ChunkCompression.None, (await store.GetAsync("app", plain.Export.Id, default))!.Chunks.Compression);

        // The claim reads the row through its own query: the worker gets the compression too.
        ExportClaim claim = (await store.TryClaimAsync("w1", T0, TimeSpan.FromSeconds(30), default))!;
        Assert.Equal(job.Export.Id, claim.Job.Export.Id);
        Assert.Equal(gzip, claim.Job.Chunks);
        Assert.Equal(1, claim.Lease.Attempt);

        var chunk = new ChunkInfo("part-00001.csv.gz", 3, 200, new string('c', 64), T0, T0, false) { UncompressedBytes = 900 };
        ExportJob done = claim.Job with
        {
            Export = claim.Job.Export with { Status = ExportStatus.Done, Result = new ExportResultInfo(null, [new ExportChunk(chunk, null)], 3, 200) },
        };
        Assert.True(await store.TryFinishAsync(done, claim.Lease, default));

        // A restart: a new store over the same table.
        ExportJob read = (await new PostgresExportStore(db.DataSource, db.Exports).GetAsync("app", job.Export.Id, default))!;
        Assert.Equal(chunk, read.Export.Result!.Chunks[0].Info);
        Assert.Equal(900, read.Export.Result.Chunks[0].Info.UncompressedBytes);
    }

    [PostgresFact]
    public async Task ATableFromBeforeCompressionGainsTheColumns()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        string table = $"\"{db.Schema}\".\"{db.Exports.Table}\"";
        await db.ExecuteAsync($"ALTER TABLE {table} DROP COLUMN chunk_compression, DROP COLUMN chunk_compression_level");
        await PostgresExportStore.EnsureCreatedAsync(db.DataSource, db.Exports);

        var store = new PostgresExportStore(db.DataSource, db.Exports);
        var job = new ExportJob(
            "app",
            new ExportObject { Id = ExportIds.NewId(), CreatedAt = T0, Parameters = PgTestData.AllFields("-created_at", null) },
            CsvFormat.Default,
            new ChunkLimits { Compression = ChunkCompression.Gzip });
        await store.AddAsync(job, default);
        Assert.Equal(ChunkCompression.Gzip, (await store.GetAsync("app", job.Export.Id, default))!.Chunks.Compression);
    }
}
