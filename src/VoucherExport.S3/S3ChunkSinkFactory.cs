using System.Buffers;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using VoucherExport.Chunks;

namespace VoucherExport.S3;

/// <summary>
/// Makes the S3 sink of each export: chunks and <c>manifest.json</c> under <c>Prefix/&lt;export id&gt;/</c> in one bucket,
/// each chunk one multipart upload completed only when the chunk is whole. Owns one S3 client; dispose it with the host.
/// </summary>
/// <remarks>
/// The client is set up for S3-compatible stores as well as AWS: checksums only where an operation requires them and
/// no aws-chunked uploads (Ceph Pacific and Swift reject both; see docs/s3.md).
/// </remarks>
public sealed class S3ChunkSinkFactory : IChunkSinkFactory, IDisposable
{
    /// <summary>
    /// Pooled part buffers kept per size: the in-flight and filling parts of four chunks being written at once. More
    /// concurrent chunks still work; their extra buffers are simply not kept.
    /// </summary>
    private const int PooledChunkWriters = 4;

    private readonly Lock _bucketLock = new();
    private Task? _bucketReady;

    /// <summary>A factory for <paramref name="options"/>, validated here.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public S3ChunkSinkFactory(S3ChunkSinkOptions options)
        : this(options, httpClientFactory: null)
    {
    }

    /// <summary>As the public constructor, with the SDK's HTTP layer open so tests can make requests fail on purpose.</summary>
    internal S3ChunkSinkFactory(S3ChunkSinkOptions options, HttpClientFactory? httpClientFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        Client = new AmazonS3Client(options.Credentials, CreateConfig(options, httpClientFactory));
        Signer = new S3UrlSigner(options);
        PartPool = ArrayPool<byte>.Create((int)options.PartSize, PooledChunkWriters * (options.MaxPartsInFlight + 1));
    }

    /// <summary>The options, as validated.</summary>
    public S3ChunkSinkOptions Options { get; }

    /// <summary>The client every sink of this factory uses.</summary>
    internal AmazonS3Client Client { get; }

    /// <summary>Presigns the URLs of <c>GetUrl</c>.</summary>
    internal S3UrlSigner Signer { get; }

    /// <summary>Part buffers, shared by every chunk this factory writes.</summary>
    internal ArrayPool<byte> PartPool { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="exportId"/> is not 1–128 of <c>[A-Za-z0-9_-]</c>.</exception>
    public IChunkSink Create(string exportId) => new S3ChunkSink(this, ExportPrefix(exportId));

    /// <inheritdoc />
    /// <remarks>
    /// A chunk is one multipart upload of at most 10,000 parts of <see cref="S3ChunkSinkOptions.PartSize"/> bytes (the
    /// 5 GiB cap of one part is never reached: the part size is at most 1 GiB). A chunk limit past that is refused here,
    /// before anything is read or uploaded, rather than found at part 10,001.
    /// </remarks>
    public void CheckLimits(ChunkLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        long most = Options.PartSize * S3ChunkWriter.MaxParts;
        if (limits.MaxChunkBytes > most)
        {
            long needed = (limits.MaxChunkBytes + S3ChunkWriter.MaxParts - 1) / S3ChunkWriter.MaxParts;
            throw new ChunkStoreLimitException(
                $"a chunk of up to {limits.MaxChunkBytes:N0} bytes needs more than {S3ChunkWriter.MaxParts:N0} S3 parts of " +
                $"{Options.PartSize:N0} bytes (at most {most:N0} bytes an object); raise the part size to at least {needed:N0} " +
                "bytes or lower the chunk limit");
        }
    }

    /// <summary>The key prefix of an export's objects, ending in '/': <c>Prefix/&lt;export id&gt;/</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="exportId"/> is not 1–128 of <c>[A-Za-z0-9_-]</c>.</exception>
    public string ExportPrefix(string exportId)
    {
        ChunkNames.ThrowIfBadExportId(exportId, nameof(exportId));
        return Options.Prefix.Length == 0 ? exportId + "/" : Options.Prefix + "/" + exportId + "/";
    }

    /// <summary>Disposes the S3 client.</summary>
    public void Dispose() => Client.Dispose();

    /// <summary>Creates the bucket once per factory when the options ask for it; a failed attempt is retried by the next caller.</summary>
    internal Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (!Options.CreateBucket)
        {
            return Task.CompletedTask;
        }

        Task ready;
        lock (_bucketLock)
        {
            if (_bucketReady is null || _bucketReady.IsFaulted || _bucketReady.IsCanceled)
            {
                _bucketReady = CreateBucketAsync();
            }

            ready = _bucketReady;
        }

        return ready.WaitAsync(cancellationToken);
    }

    private async Task CreateBucketAsync()
    {
        var request = new PutBucketRequest { BucketName = Options.BucketName };

        // AWS wants a location constraint outside us-east-1; S3-compatible stores may reject one they do not know.
        if (Options.ServiceUrl is null && Options.Region != S3ChunkSinkOptions.DefaultRegion)
        {
            request.BucketRegionName = Options.Region;
        }

        try
        {
            // Not cancellable: several sinks may wait on this one attempt, and a half-cancelled create helps none of them.
            await Client.PutBucketAsync(request, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
        {
            // Ours already: exactly what was wanted.
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("create bucket", Options.BucketName, "", e);
        }
    }

    private static AmazonS3Config CreateConfig(S3ChunkSinkOptions options, HttpClientFactory? httpClientFactory)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            AuthenticationRegion = options.Region,

            // The SDK 4 defaults (CRC32 trailers over aws-chunked bodies) fail on Ceph Pacific and Swift; nothing here
            // needs a checksum the operation does not require.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,

            // The options are the whole truth about the endpoint: the presigner must address the same one.
            IgnoreConfiguredEndpointUrls = true,
        };
        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl.AbsoluteUri;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        return config;
    }
}
