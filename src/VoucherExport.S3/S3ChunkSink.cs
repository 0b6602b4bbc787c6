using Amazon.S3;
using Amazon.S3.Model;
using VoucherExport.Chunks;

namespace VoucherExport.S3;

/// <summary>
/// The objects of one export under one key prefix. Chunks are multipart uploads (or one PUT when small) completed
/// only on commit; the manifest is one PUT, which S3 makes visible whole.
/// </summary>
internal sealed class S3ChunkSink : IChunkSink
{
    /// <summary>At most this many objects are deleted at once; one request per object works on every S3-compatible store.</summary>
    private const int ParallelDeletes = 8;

    private readonly S3ChunkSinkFactory _factory;

    public S3ChunkSink(S3ChunkSinkFactory factory, string keyPrefix)
    {
        _factory = factory;
        KeyPrefix = keyPrefix;
    }

    /// <summary>The export's key prefix, ending in '/'.</summary>
    public string KeyPrefix { get; }

    private string Bucket => _factory.Options.BucketName;

    /// <inheritdoc />
    public async ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken)
    {
        ChunkNames.ThrowIfNotChunk(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        await _factory.EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
        return new S3ChunkWriter(_factory, KeyPrefix + name);
    }

    /// <inheritdoc />
    public async ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) =>
        await PutManifestAsync(manifestJson, replace: true, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>A conditional <c>PUT</c> (<c>If-None-Match: *</c>): of two writers only the first is stored.</remarks>
    public ValueTask<bool> TryCreateManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) =>
        PutManifestAsync(manifestJson, replace: false, cancellationToken);

    private async ValueTask<bool> PutManifestAsync(ReadOnlyMemory<byte> manifestJson, bool replace, CancellationToken cancellationToken)
    {
        await _factory.EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
        string key = KeyPrefix + ChunkNames.Manifest;
        using var body = new MemoryStream(manifestJson.ToArray(), writable: false);
        try
        {
            // Replacing the manifest is expected (it is rewritten as the export's state changes); a PUT replaces atomically.
            await _factory.Client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    InputStream = body,
                    AutoCloseStream = false,
                    ContentType = "application/json",
                    UseChunkEncoding = false,
                    IfNoneMatch = replace ? null : "*",
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (!replace && S3Errors.IsPreconditionFailed(e))
        {
            return false;
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("PUT", Bucket, key, e);
        }
    }

    /// <inheritdoc />
    /// <exception cref="FileNotFoundException">The object is not stored (or its chunk is not committed yet).</exception>
    public async ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        ChunkNames.ThrowIfNotStored(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        string key = KeyPrefix + name;
        try
        {
            GetObjectResponse response = await _factory.Client.GetObjectAsync(Bucket, key, cancellationToken).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (Exception e) when (S3Errors.IsNotFound(e))
        {
            throw new FileNotFoundException($"s3://{Bucket}/{key} is not stored (or not committed yet)", name, e);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("GET", Bucket, key, e);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Also aborts multipart uploads still open under the prefix, so a writer that died without disposing (a killed
    /// process) leaves nothing billable behind once its export is deleted.
    /// </remarks>
    public async ValueTask DeleteAllAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Objects first: listing them is also what finds a missing bucket (404), where Ceph answers a listing of
            // uploads in a missing bucket with a bare 400.
            await DeleteObjectsAsync(cancellationToken).ConfigureAwait(false);
            await AbortOpenUploadsAsync(KeyPrefix, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsNotFound(e))
        {
            // No bucket: nothing was ever stored, and deleting is idempotent.
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("delete", Bucket, KeyPrefix, e);
        }
    }

    /// <inheritdoc />
    /// <remarks>Aborts every multipart upload still open under the export's prefix: a stale worker cannot complete it afterwards.</remarks>
    public ValueTask DeleteUncommittedAsync(CancellationToken cancellationToken) => DeleteUncommittedAsync(string.Empty, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Aborts the multipart uploads still open under the export's prefix for keys starting with <paramref name="namePrefix"/>.</remarks>
    public async ValueTask DeleteUncommittedAsync(string namePrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(namePrefix);
        try
        {
            await AbortOpenUploadsAsync(KeyPrefix + namePrefix, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsNotFound(e) || (e is AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.BadRequest }))
        {
            // No bucket yet (Ceph answers a listing of uploads in a missing bucket with a bare 400): nothing is open.
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("clean up", Bucket, KeyPrefix, e);
        }
    }

    /// <inheritdoc />
    /// <returns>A presigned GET URL, valid for <see cref="S3ChunkSinkOptions.PresignExpiry"/> from now.</returns>
    public string? GetUrl(string name)
    {
        ChunkNames.ThrowIfNotStored(name, nameof(name));
        return _factory.Signer.PresignGet(KeyPrefix + name);
    }

    private async Task AbortOpenUploadsAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        var request = new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = keyPrefix };
        while (true)
        {
            ListMultipartUploadsResponse page = await _factory.Client.ListMultipartUploadsAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (MultipartUpload upload in page.MultipartUploads ?? [])
            {
                try
                {
                    await _factory.Client.AbortMultipartUploadAsync(Bucket, upload.Key, upload.UploadId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (S3Errors.IsNotFound(e))
                {
                    // Completed or aborted meanwhile.
                }
            }

            if (page.IsTruncated != true)
            {
                return;
            }

            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
    }

    private async Task DeleteObjectsAsync(CancellationToken cancellationToken)
    {
        // Listing after deleting a page is safe with a continuation token: it marks a key, not an offset.
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = KeyPrefix };
        while (true)
        {
            ListObjectsV2Response page = await _factory.Client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            await Parallel.ForEachAsync(
                page.S3Objects ?? [],
                new ParallelOptions { MaxDegreeOfParallelism = ParallelDeletes, CancellationToken = cancellationToken },
                async (item, ct) => await _factory.Client.DeleteObjectAsync(Bucket, item.Key, ct).ConfigureAwait(false)).ConfigureAwait(false);

            if (page.IsTruncated != true)
            {
                return;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }
}
