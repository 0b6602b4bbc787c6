using Amazon.S3;
using Amazon.S3.Model;
using VoucherExport.S3;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>
/// A bucket of its own for one test class, with a factory over it; emptied (objects and open uploads) and deleted
/// afterwards so the memory-backed server does not fill up.
/// </summary>
public sealed class S3TestBucket : IAsyncLifetime
{
    private readonly List<S3ChunkSinkFactory> _factories = [];
    private S3ChunkSinkFactory? _factory;

    public string Name { get; } = S3TestSettings.NewBucketName();

    /// <summary>The default factory over this bucket (bucket created on first use).</summary>
    public S3ChunkSinkFactory Factory => _factory ??= Track(new S3ChunkSinkFactory(Options()));

    /// <summary>The SDK client of the default factory, for looking behind the sink's back.</summary>
    internal IAmazonS3 Client => Factory.Client;

    public S3ChunkSinkOptions Options(string prefix = "") => S3TestSettings.Options(Name, prefix);

    /// <summary>Keeps <paramref name="factory"/> to dispose with the bucket.</summary>
    public S3ChunkSinkFactory Track(S3ChunkSinkFactory factory)
    {
        lock (_factories)
        {
            _factories.Add(factory);
        }

        return factory;
    }

    /// <summary>Every key under <paramref name="prefix"/>.</summary>
    public async Task<List<string>> KeysAsync(string prefix = "")
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Name, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await Client.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return keys;
    }

    /// <summary>Every open multipart upload under <paramref name="prefix"/>, as key and upload id.</summary>
    public async Task<List<(string Key, string UploadId)>> OpenUploadsAsync(string prefix = "")
    {
        var response = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Name, Prefix = prefix });
        return (response.MultipartUploads ?? []).Select(u => (u.Key, u.UploadId)).ToList();
    }

    public async Task<byte[]> GetAsync(string key)
    {
        using var response = await Client.GetObjectAsync(Name, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (S3TestSettings.SkipReason is null && _factory is not null)
        {
            try
            {
                foreach (var (key, uploadId) in await OpenUploadsAsync())
                {
                    await Client.AbortMultipartUploadAsync(Name, key, uploadId);
                }

                foreach (string key in await KeysAsync())
                {
                    await Client.DeleteObjectAsync(Name, key);
                }

                await Client.DeleteBucketAsync(Name);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
            {
                // The test never created it.
            }
        }

        lock (_factories)
        {
            foreach (var factory in _factories)
            {
                factory.Dispose();
            }
        }
    }
}
