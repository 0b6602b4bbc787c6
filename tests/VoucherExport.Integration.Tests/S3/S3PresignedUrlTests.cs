using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.S3;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>The URLs in an export's result, fetched with a plain HTTP client from the real server.</summary>
public sealed class S3PresignedUrlTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>, IDisposable
{
    private const string Chunk = "part-00001.csv";
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, byte[] Body)> FetchAsync(string url)
    {
        using var response = await _http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>Stores one chunk through <paramref name="factory"/> and returns its sink.</summary>
    private static async Task<IChunkSink> StoreAsync(S3ChunkSinkFactory factory, byte[] content)
    {
        var sink = factory.Create("exp_" + Guid.NewGuid().ToString("N"));
        await using var writer = await sink.CreateChunkAsync(Chunk, default);
        await writer.WriteAsync(content, default);
        await writer.CommitAsync(default);
        return sink;
    }

    [S3Fact]
    public async Task TheResultUrlsDownloadTheChunksAndTheManifest()
    {
        var request = ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, TransactionFields.All, null))
            with { Chunks = new ChunkLimits { MaxChunkRows = 2_000 } };
        ExportResult result = await ExportEngine.RunAsync(request, new DemoLedger(5_000).AsSource(), bucket.Factory);

        Assert.Equal(3, result.Result.Chunks.Count);
        foreach (var chunk in result.Result.Chunks)
        {
            var (status, body) = await FetchAsync(chunk.Url!);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(chunk.Info.Sha256, Convert.ToHexStringLower(SHA256.HashData(body)));
        }

        // Several chunks: the export's own URL is the manifest's.
        var (manifestStatus, manifest) = await FetchAsync(result.Result.Url!);
        Assert.Equal(HttpStatusCode.OK, manifestStatus);
        Assert.Contains(request.Export.Id, System.Text.Encoding.UTF8.GetString(manifest), StringComparison.Ordinal);
    }

    [S3Fact]
    public async Task ATamperedUrlIsRefused()
    {
        var sink = await StoreAsync(bucket.Factory, "a,b\r\n1,2\r\n"u8.ToArray());
        string url = sink.GetUrl(Chunk)!;
        char last = url[^1];
        string tampered = url[..^1] + (last == '0' ? '1' : '0');
        string otherKey = url.Replace(Chunk, "part-00002.csv", StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await FetchAsync(url)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await FetchAsync(tampered)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await FetchAsync(otherKey)).Status);
    }

    /// <summary>
    /// A URL signed an hour ago: refused when its expiry was 15 minutes, accepted when it was two hours. The clock is
    /// faked, not waited on; the accepted twin shows that expiry, and nothing else, makes the difference.
    /// </summary>
    [S3Fact]
    public async Task AUrlIsRefusedOnceItsExpiryHasPassed()
    {
        byte[] content = "a,b\r\n1,2\r\n"u8.ToArray();
        var anHourAgo = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var expired = bucket.Track(new S3ChunkSinkFactory(bucket.Options("expiry") with { Time = anHourAgo, PresignExpiry = TimeSpan.FromMinutes(15) }));
        var valid = bucket.Track(new S3ChunkSinkFactory(bucket.Options("expiry") with { Time = anHourAgo, PresignExpiry = TimeSpan.FromHours(2) }));
        var sink = await StoreAsync(expired, content);
        string key = ((S3ChunkSink)sink).KeyPrefix + Chunk;

        string expiredUrl = sink.GetUrl(Chunk)!;
        string validUrl = valid.Signer.PresignGet(key);
        Assert.Contains("X-Amz-Expires=900&", expiredUrl, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await FetchAsync(expiredUrl)).Status);
        var (status, body) = await FetchAsync(validUrl);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(content, body);
    }
}
