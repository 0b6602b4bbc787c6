using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.S3;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>How the registry's retries treat S3 answers: a 4xx is not worth a rerun, and a failed export leaves nothing.</summary>
public sealed class S3RetryTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private const int MiB = 1024 * 1024;

    [S3Fact]
    public async Task AnS3ClientErrorEndsTheExportAtOnceWithNoObjectAndNoOpenUpload()
    {
        var http = new FaultInjectingHttpClientFactory(r => FaultInjectingHttpClientFactory.IsUploadOfPart(r, 2));
        var factory = bucket.Track(new S3ChunkSinkFactory(bucket.Options("retries") with { PartSize = 5 * MiB }, http));

        // A fake clock nobody moves: a retry would wait on it for ever, so the guard below catches one.
        var options = new ExportRegistryOptions
        {
            MaxConcurrentExports = 1,
            Chunks = new ChunkLimits { MaxChunkBytes = 64 * MiB },
            Retry = new ExportRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(1) },
        };
        await using var registry = new ExportRegistry(
            new InMemoryExportStore(), new DemoLedger(60_000, seed: 7).AsSource(), factory, options, time: new FakeTimeProvider());
        var created = await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default);

        ExportObject final = (await registry.WaitAsync("app", created.Id).WaitAsync(TimeSpan.FromSeconds(60)))!;

        Assert.Equal(ExportStatus.Error, final.Status);
        Assert.Equal("export_io_failed", final.Error!.Key);
        Assert.Contains("400", final.Error.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("attempts", final.Error.Details, StringComparison.Ordinal);
        Assert.Equal(1, http.Failed);
        string prefix = factory.ExportPrefix(created.Id);
        Assert.Empty(await bucket.KeysAsync(prefix));
        Assert.Empty(await bucket.OpenUploadsAsync(prefix));
    }
}
