using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.S3;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>A gzip export to the real S3 server: <c>.csv.gz</c> keys typed <c>application/gzip</c>, the same bytes as in memory.</summary>
public sealed class S3GzipExportTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private const int MiB = 1024 * 1024;

    [S3Fact]
    public async Task GzipChunksAreStoredAsCsvGzKeysWithTheGzipTypeAndTheSameBytesAsInMemory()
    {
        var factory = bucket.Track(new S3ChunkSinkFactory(bucket.Options("gz") with { PartSize = 5 * MiB }));
        var ledger = new DemoLedger(60_000, seed: 3);
        ExportRequest request = ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, TransactionFields.All, null)) with
        {
            // 6 MiB of compressed bytes: the first chunk goes up as a two-part upload, so both paths carry the gzip type.
            Chunks = new ChunkLimits { MaxChunkBytes = 6 * MiB, Compression = ChunkCompression.Gzip, CompressionLevel = 1 },
        };
        ExportResult result = await ExportEngine.RunAsync(request, ledger.AsSource(), factory);
        var memory = new InMemoryChunkSinkFactory();
        ExportResult reference = await ExportEngine.RunAsync(request, ledger.AsSource(), memory);
        Assert.Equal(reference.Result.Chunks.Select(c => c.Info), result.Result.Chunks.Select(c => c.Info));

        string prefix = factory.ExportPrefix(request.Export.Id);
        using var manifest = JsonDocument.Parse(await bucket.GetAsync(prefix + "manifest.json"));
        var inMemory = memory.Find(request.Export.Id)!.Committed.ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var chunk in manifest.RootElement.GetProperty("result").GetProperty("chunks").EnumerateArray())
        {
            string name = chunk.GetProperty("name").GetString()!;
            Assert.EndsWith(".csv.gz", name, StringComparison.Ordinal);
            byte[] stored = await bucket.GetAsync(prefix + name);
            Assert.Equal(inMemory[name], stored);
            Assert.Equal(chunk.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(stored)));
            Assert.True(stored.Length <= 6 * MiB);
            using var gzip = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
            var plain = new MemoryStream();
            await gzip.CopyToAsync(plain);
            Assert.Equal(chunk.GetProperty("uncompressed_bytes").GetInt64(), plain.Length);

            var metadata = await bucket.Client.GetObjectMetadataAsync(bucket.Name, prefix + name);
            Assert.Equal("application/gzip", metadata.Headers.ContentType);
        }

        Assert.Empty(await bucket.OpenUploadsAsync(prefix));
    }
}
