using System.Security.Cryptography;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.S3;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>Whole exports through <see cref="ExportEngine"/> to the real S3 server: what is stored, and what is left after a failure.</summary>
public sealed class S3ExportTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private const int MiB = 1024 * 1024;

    /// <summary>All twelve fields, oldest first (the demo ledger's own order, so rows stream without a sort).</summary>
    private static readonly ExportParameters AllFields = new(ExportOrder.CreatedAtAscending, TransactionFields.All, null);

    private S3ChunkSinkFactory SmallParts() => bucket.Track(new S3ChunkSinkFactory(bucket.Options("exports") with { PartSize = 5 * MiB }));

    private static ExportRequest Request(long maxChunkBytes) => ExportRequest.For(AllFields) with { Chunks = new ChunkLimits { MaxChunkBytes = maxChunkBytes } };

    [S3Fact]
    public async Task StoredChunksMatchTheManifestAndTheSameExportInMemory()
    {
        var factory = SmallParts();
        var ledger = new DemoLedger(30_000, seed: 7);

        // 6 MiB chunks of 5 MiB parts: whole chunks go up as two-part uploads, the last (smaller) one as a single PUT.
        ExportRequest request = Request(6 * MiB);
        ExportResult result = await ExportEngine.RunAsync(request, ledger.AsSource(), factory);
        var memory = new InMemoryChunkSinkFactory();
        ExportResult reference = await ExportEngine.RunAsync(request, ledger.AsSource(), memory);

        string prefix = factory.ExportPrefix(request.Export.Id);
        using var manifest = JsonDocument.Parse(await bucket.GetAsync(prefix + "manifest.json"));
        var listed = manifest.RootElement.GetProperty("result").GetProperty("chunks").EnumerateArray().ToList();
        var inMemory = memory.Find(request.Export.Id)!.Committed.ToDictionary(kv => kv.Key, kv => kv.Value);

        Assert.True(listed.Count >= 3, $"expected several chunks, got {listed.Count}");
        Assert.Equal(reference.Result.Chunks.Select(c => c.Info), result.Result.Chunks.Select(c => c.Info));
        Assert.Equal(30_000, manifest.RootElement.GetProperty("result").GetProperty("rows").GetInt64());
        foreach (var chunk in listed)
        {
            string name = chunk.GetProperty("name").GetString()!;
            byte[] stored = await bucket.GetAsync(prefix + name);
            Assert.Equal(chunk.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(stored)));
            Assert.Equal(chunk.GetProperty("bytes").GetInt64(), stored.LongLength);
            Assert.Equal(inMemory[name], stored);
            Assert.StartsWith(S3TestSettings.Endpoint + "/" + bucket.Name + "/" + prefix + name + "?", chunk.GetProperty("url").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(listed.Count + 1, (await bucket.KeysAsync(prefix)).Count);
        Assert.Empty(await bucket.OpenUploadsAsync(prefix));
    }

    /// <summary>
    /// The ledger fails mid-export: with 64 MiB chunks while the first chunk's multipart upload is open; with 6 MiB chunks
    /// after two chunks were committed. Either way the engine's cleanup leaves no object and no open upload.
    /// </summary>
    [S3Theory]
    [InlineData(64 * MiB, 20_000)]
    [InlineData(6 * MiB, 33_000)]
    public async Task ASourceFailingMidUploadLeavesNoObjectAndNoOpenUpload(long maxChunkBytes, long failAfterRows)
    {
        var factory = SmallParts();

        // One thread: the failure's place in the upload follows from the row count only. With more, rows still in
        // flight at the failure are not yet sealed, so how many chunks were committed would depend on timing.
        ExportRequest request = Request(maxChunkBytes) with { Parallelism = 1 };
        string prefix = factory.ExportPrefix(request.Export.Id);
        int uploadsAtFailure = -1, objectsAtFailure = -1;
        var source = new FailingSource(new DemoLedger(100_000).AsSource(), failAfterRows, async () =>
        {
            uploadsAtFailure = (await bucket.OpenUploadsAsync(prefix)).Count;
            objectsAtFailure = (await bucket.KeysAsync(prefix)).Count;
        });

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ExportEngine.RunAsync(request, source, factory));
        Assert.Contains("on purpose", e.Message, StringComparison.Ordinal);

        // The failure hit what it was meant to hit.
        if (maxChunkBytes == 64 * MiB)
        {
            Assert.Equal((1, 0), (uploadsAtFailure, objectsAtFailure));
        }
        else
        {
            Assert.True(objectsAtFailure >= 2, $"{objectsAtFailure} chunks were committed before the failure");
        }

        Assert.Empty(await bucket.KeysAsync(prefix));
        Assert.Empty(await bucket.OpenUploadsAsync(prefix));
    }

    [S3Fact]
    public async Task AStoreFailingMidUploadFailsTheExportAndLeavesNothing()
    {
        // The store rejects the third part of the first chunk.
        var http = new FaultInjectingHttpClientFactory(r => FaultInjectingHttpClientFactory.IsUploadOfPart(r, 3));
        var factory = bucket.Track(new S3ChunkSinkFactory(bucket.Options("exports") with { PartSize = 5 * MiB }, http));
        ExportRequest request = Request(64 * MiB);
        string prefix = factory.ExportPrefix(request.Export.Id);

        var e = await Assert.ThrowsAsync<IOException>(() => ExportEngine.RunAsync(request, new DemoLedger(60_000).AsSource(), factory));
        Assert.Contains("part 3", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, http.Failed);
        Assert.Empty(await bucket.KeysAsync(prefix));
        Assert.Empty(await bucket.OpenUploadsAsync(prefix));
    }

    [S3Fact]
    public async Task ACancelledExportLeavesNothing()
    {
        var factory = SmallParts();
        ExportRequest request = Request(6 * MiB);
        string prefix = factory.ExportPrefix(request.Export.Id);
        using var cancel = new CancellationTokenSource();
        int uploadsAtCancel = -1;
        var source = new CancellingSource(new DemoLedger(100_000).AsSource(), 25_000, async () =>
        {
            uploadsAtCancel = (await bucket.OpenUploadsAsync(prefix)).Count + (await bucket.KeysAsync(prefix)).Count;
            await cancel.CancelAsync();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExportEngine.RunAsync(request, source, factory, cancellationToken: cancel.Token));
        Assert.True(uploadsAtCancel > 0, "nothing was stored yet when the export was cancelled");
        Assert.Empty(await bucket.KeysAsync(prefix));
        Assert.Empty(await bucket.OpenUploadsAsync(prefix));
    }

    /// <summary>Passes rows on and runs a callback (which cancels the export) once <paramref name="rows"/> have gone out.</summary>
    private sealed class CancellingSource(ITransactionSource inner, long rows, Func<Task> atRows) : ITransactionSource
    {
        public SourcePushdown Plan(TransactionQuery query) => inner.Plan(query);

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            long sent = 0;
            bool fired = false;
            await foreach (var batch in inner.ReadAsync(query, cancellationToken).WithCancellation(cancellationToken))
            {
                yield return batch;
                sent += batch.Length;
                if (!fired && sent >= rows)
                {
                    fired = true;
                    await atRows();
                }
            }
        }
    }
}
