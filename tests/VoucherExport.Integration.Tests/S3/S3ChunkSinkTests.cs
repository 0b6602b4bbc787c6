using System.Security.Cryptography;
using Amazon.S3.Model;
using VoucherExport.Chunks;
using VoucherExport.S3;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>What the S3 sink adds to the contract: multipart uploads, their cleanup, key layout and error messages.</summary>
public sealed class S3ChunkSinkTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private const int MiB = 1024 * 1024;
    private const string Chunk = "part-00001.csv";

    /// <summary>The smallest part S3 allows, so multipart paths run on a few MiB of data.</summary>
    private S3ChunkSinkFactory SmallParts(int inFlight = 2, string prefix = "")
        => bucket.Track(new S3ChunkSinkFactory(bucket.Options(prefix) with { PartSize = 5 * MiB, MaxPartsInFlight = inFlight }));

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string NewExportId() => "exp_" + Guid.NewGuid().ToString("N");

    /// <summary>Writes <paramref name="data"/> in slices of uneven sizes, some inside a part, some across part boundaries.</summary>
    private static async Task WriteUnevenlyAsync(IChunkWriter writer, byte[] data)
    {
        int[] sizes = [7, 1 * MiB, 3, 11 * MiB, 256 * 1024, 1];
        int done = 0;
        for (int i = 0; done < data.Length; i++)
        {
            int take = Math.Min(sizes[i % sizes.Length], data.Length - done);
            await writer.WriteAsync(data.AsMemory(done, take), default);
            done += take;
        }
    }

    private async Task<string> ETagAsync(string key) => (await bucket.Client.GetObjectMetadataAsync(bucket.Name, key)).ETag;

    [S3Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AChunkOfSeveralPartsIsOneUploadCompletedOnlyOnCommit(int inFlight)
    {
        var factory = SmallParts(inFlight);
        string id = NewExportId();
        var sink = factory.Create(id);
        byte[] data = RandomBytes((17 * MiB) + 3, seed: inFlight);

        await using var writer = await sink.CreateChunkAsync(Chunk, default);
        await WriteUnevenlyAsync(writer, data);

        // Three parts are uploaded by now, yet nothing is visible: the upload is open, not complete.
        var open = await bucket.OpenUploadsAsync(id + "/");
        Assert.Equal([id + "/" + Chunk], open.Select(u => u.Key));
        await Assert.ThrowsAsync<FileNotFoundException>(() => sink.OpenReadAsync(Chunk, default).AsTask());

        await writer.CommitAsync(default);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await bucket.GetAsync(id + "/" + Chunk)));
        Assert.EndsWith("-4\"", await ETagAsync(id + "/" + Chunk)); // 5 + 5 + 5 + 2 MiB
        Assert.Empty(await bucket.OpenUploadsAsync(id + "/"));
    }

    [S3Theory]
    [InlineData(5 * MiB, false)]
    [InlineData((5 * MiB) + 1, true)]
    [InlineData(0, false)]
    public async Task OnlyAChunkLargerThanOnePartUsesAMultipartUpload(int length, bool multipart)
    {
        var factory = SmallParts();
        string id = NewExportId();
        var sink = factory.Create(id);
        byte[] data = RandomBytes(length, seed: length);
        await using (var writer = await sink.CreateChunkAsync(Chunk, default))
        {
            await WriteUnevenlyAsync(writer, data);
            await writer.CommitAsync(default);
        }

        Assert.Equal(data, await bucket.GetAsync(id + "/" + Chunk));
        Assert.Equal(multipart, (await ETagAsync(id + "/" + Chunk)).Contains('-', StringComparison.Ordinal));
    }

    [S3Fact]
    public async Task DisposingAMultipartChunkAbortsItsUpload()
    {
        var factory = SmallParts();
        string id = NewExportId();
        var sink = factory.Create(id);
        var writer = await sink.CreateChunkAsync(Chunk, default);
        await WriteUnevenlyAsync(writer, RandomBytes(16 * MiB, seed: 1));
        Assert.Single(await bucket.OpenUploadsAsync(id + "/"));

        await writer.DisposeAsync();
        Assert.Empty(await bucket.OpenUploadsAsync(id + "/"));
        Assert.Empty(await bucket.KeysAsync(id + "/"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.WriteAsync(new byte[1], default).AsTask());
    }

    [S3Fact]
    public async Task ASecondMultipartWriterOfACommittedNameFailsAndLeavesNoUpload()
    {
        var factory = SmallParts();
        string id = NewExportId();
        var sink = factory.Create(id);
        byte[] first = RandomBytes(6 * MiB, seed: 1);
        await using (var writer = await sink.CreateChunkAsync(Chunk, default))
        {
            await writer.WriteAsync(first, default);
            await writer.CommitAsync(default);
        }

        await using (var second = await sink.CreateChunkAsync(Chunk, default))
        {
            await second.WriteAsync(RandomBytes(11 * MiB, seed: 2), default);
            var e = await Assert.ThrowsAsync<IOException>(() => second.CommitAsync(default).AsTask());
            Assert.Contains("already committed", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(first, await bucket.GetAsync(id + "/" + Chunk));
        Assert.Empty(await bucket.OpenUploadsAsync(id + "/"));
    }

    [S3Fact]
    public async Task ASecondWriterOfTheSameBytesKeepsTheStoredObjectAsItIs()
    {
        // The case of a resumed export whose earlier attempt committed a chunk but died before recording it: the chunk's
        // rows and boundaries are the same, so are its bytes, and the stored object is kept, not written again.
        var factory = SmallParts();
        foreach (int length in new[] { 300 * 1024, (11 * MiB) + 7 })
        {
            string id = NewExportId();
            var sink = factory.Create(id);
            byte[] bytes = RandomBytes(length, seed: length);
            (string? ETag, DateTime? Modified) stored = default;
            for (int writer = 0; writer < 2; writer++)
            {
                await using var chunk = await sink.CreateChunkAsync(Chunk, default);
                await WriteUnevenlyAsync(chunk, bytes);
                await chunk.CommitAsync(default);
                if (writer == 0)
                {
                    var first = await bucket.Client.GetObjectMetadataAsync(bucket.Name, id + "/" + Chunk);
                    Assert.NotNull(first.ETag);
                    stored = (first.ETag, first.LastModified);
                }
            }

            var after = await bucket.Client.GetObjectMetadataAsync(bucket.Name, id + "/" + Chunk);
            Assert.Equal(stored, (after.ETag, after.LastModified));
            Assert.Equal(bytes, await bucket.GetAsync(id + "/" + Chunk));
            Assert.Empty(await bucket.OpenUploadsAsync(id + "/"));
        }
    }

    [S3Fact]
    public async Task AFailedPartFailsTheChunkAndItsDisposalLeavesNoUpload()
    {
        var http = new FaultInjectingHttpClientFactory(r => FaultInjectingHttpClientFactory.IsUploadOfPart(r, 2));
        var factory = bucket.Track(new S3ChunkSinkFactory(bucket.Options() with { PartSize = 5 * MiB }, http));
        string id = NewExportId();
        var sink = factory.Create(id);
        var writer = await sink.CreateChunkAsync(Chunk, default);

        // Part 2 fails in the background; the error surfaces on a later write or on commit, naming part and object.
        var e = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await WriteUnevenlyAsync(writer, RandomBytes(21 * MiB, seed: 3));
            await writer.CommitAsync(default);
        });
        Assert.Contains("part 2", e.Message, StringComparison.Ordinal);
        Assert.Contains($"s3://{bucket.Name}/{id}/{Chunk}", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, http.Failed);
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CommitAsync(default).AsTask());

        await writer.DisposeAsync();
        Assert.Empty(await bucket.OpenUploadsAsync(id + "/"));
        Assert.Empty(await bucket.KeysAsync(id + "/"));
    }

    [S3Fact]
    public async Task DeleteAllAbortsUploadsLeftByADeadWriterAndTouchesNoOtherExport()
    {
        var factory = bucket.Factory;
        string id = NewExportId();
        string neighbour = id + "x"; // shares the text prefix, not the key prefix
        var sink = factory.Create(id);
        var other = factory.Create(neighbour);
        foreach (var s in new[] { sink, other })
        {
            await using var writer = await s.CreateChunkAsync(Chunk, default);
            await writer.WriteAsync("a,b\r\n"u8.ToArray(), default);
            await writer.CommitAsync(default);
        }

        // A writer whose process died: an upload with a part, never completed nor aborted.
        var orphan = await bucket.Client.InitiateMultipartUploadAsync(bucket.Name, id + "/part-00002.csv");
        await bucket.Client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket.Name, Key = id + "/part-00002.csv", UploadId = orphan.UploadId, PartNumber = 1,
            InputStream = new MemoryStream(new byte[100]), UseChunkEncoding = false,
        });

        await sink.DeleteAllAsync(default);
        Assert.Empty(await bucket.OpenUploadsAsync(id + "/"));
        Assert.Empty(await bucket.KeysAsync(id + "/"));
        Assert.Equal([neighbour + "/" + Chunk], await bucket.KeysAsync(neighbour + "/"));
    }

    [S3Fact]
    public async Task KeysAreThePrefixTheExportIdAndTheName()
    {
        var factory = bucket.Track(new S3ChunkSinkFactory(bucket.Options("exports/prod")));
        string id = NewExportId();
        var sink = factory.Create(id);
        await using (var writer = await sink.CreateChunkAsync(Chunk, default))
        {
            await writer.CommitAsync(default);
        }

        await sink.WriteManifestAsync("{}"u8.ToArray(), default);
        Assert.Equal($"exports/prod/{id}/", factory.ExportPrefix(id));
        Assert.Equal(
            [$"exports/prod/{id}/manifest.json", $"exports/prod/{id}/{Chunk}"],
            (await bucket.KeysAsync("exports/prod/")).Order(StringComparer.Ordinal));
        Assert.Equal("application/json", (await bucket.Client.GetObjectMetadataAsync(bucket.Name, $"exports/prod/{id}/manifest.json")).Headers.ContentType);
        Assert.StartsWith("text/csv", (await bucket.Client.GetObjectMetadataAsync(bucket.Name, $"exports/prod/{id}/{Chunk}")).Headers.ContentType, StringComparison.Ordinal);
    }

    [S3Fact]
    public async Task AMissingBucketIsNamedInTheError()
    {
        string missing = S3TestSettings.NewBucketName();
        using var factory = new S3ChunkSinkFactory(S3TestSettings.Options(missing) with { CreateBucket = false });
        var sink = factory.Create(NewExportId());
        await using var writer = await sink.CreateChunkAsync(Chunk, default);
        await writer.WriteAsync("a\r\n"u8.ToArray(), default);
        var e = await Assert.ThrowsAsync<IOException>(() => writer.CommitAsync(default).AsTask());
        Assert.Contains($"s3://{missing}/", e.Message, StringComparison.Ordinal);
        Assert.Contains("NoSuchBucket", e.Message, StringComparison.Ordinal);

        // Nothing to delete in a bucket that does not exist: still no error.
        await sink.DeleteAllAsync(default);
    }
}
