using Amazon.Runtime;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Registry;
using VoucherExport.S3;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>
/// S3's 10,000-part cap is checked before an export reads a row, with an error that says what to change, and is never
/// retried. No server is needed: the refusal comes before any request.
/// </summary>
public sealed class S3ChunkLimitTests
{
    private static readonly S3ChunkSinkOptions Options = new()
    {
        BucketName = "exports",
        ServiceUrl = new Uri("http://127.0.0.1:1"),
        Credentials = new BasicAWSCredentials("key", "secret"),
        PartSize = S3ChunkSinkOptions.MinPartSize,
    };

    [Theory]
    [InlineData(S3ChunkSinkOptions.MinPartSize * 10_000, true)]
    [InlineData(S3ChunkSinkOptions.MinPartSize * 10_000 + 1, false)]
    [InlineData(500L << 30, false)]
    public void ChunkLimitsPastTenThousandPartsAreRefused(long maxChunkBytes, bool fits)
    {
        using var factory = new S3ChunkSinkFactory(Options);
        var limits = new ChunkLimits { MaxChunkBytes = maxChunkBytes };
        if (fits)
        {
            ((IChunkSinkFactory)factory).CheckLimits(limits);
            return;
        }

        var refused = Assert.Throws<ChunkStoreLimitException>(() => ((IChunkSinkFactory)factory).CheckLimits(limits));
        Assert.Contains("10,000 S3 parts of 5,242,880 bytes", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"raise the part size to at least {(maxChunkBytes + 9_999) / 10_000:N0} bytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRegistryEndsSuchAnExportInErrorAtOnceWithoutReadingARow()
    {
        using var s3 = new S3ChunkSinkFactory(Options);
        var factory = new CountingFactory(s3);
        var source = new CountingSource(new DemoLedger(100).AsSource());
        await using var registry = new ExportRegistry(
            new InMemoryExportStore(), source, factory,
            new ExportRegistryOptions { Chunks = new ChunkLimits { MaxChunkBytes = 100L << 30 }, Retry = new ExportRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.Zero } });

        ExportObject created = await registry.CreateAsync("app", ExportScope.All, Parameters.ExportParameters.Default);
        ExportObject final = (await registry.WaitAsync("app", created.Id))!;

        Assert.Equal(ExportStatus.Error, final.Status);
        Assert.Equal("invalid_chunk_limits", final.Error!.Key);
        Assert.Contains("10,000 S3 parts", final.Error.Details, StringComparison.Ordinal);
        Assert.Equal(0, source.Reads);
        Assert.Equal(1, factory.Checks); // one attempt: the limit is not a transient fault
    }

    private sealed class CountingFactory(IChunkSinkFactory inner) : IChunkSinkFactory
    {
        public int Checks { get; private set; }

        public IChunkSink Create(string exportId) => inner.Create(exportId);

        public void CheckLimits(ChunkLimits limits)
        {
            Checks++;
            inner.CheckLimits(limits);
        }
    }

    private sealed class CountingSource(ITransactionSource inner) : ITransactionSource
    {
        public int Reads { get; private set; }

        public SourcePushdown Plan(TransactionQuery query) => inner.Plan(query);

        public IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken)
        {
            Reads++;
            return inner.ReadAsync(query, cancellationToken);
        }
    }
}
