using Amazon.S3.Model;
using VoucherExport.Chunks;

namespace VoucherExport.S3;

/// <summary>
/// One chunk being uploaded. Bytes fill a pooled part buffer; a full buffer becomes a multipart part uploading in the
/// background (at most <see cref="S3ChunkSinkOptions.MaxPartsInFlight"/> at once) as soon as more bytes arrive.
/// Committing completes the upload; a chunk that never outgrew one part is stored with a single PUT instead.
/// Disposing without a commit cancels the parts in flight and aborts the upload, so no object and no open upload remain.
/// </summary>
internal sealed class S3ChunkWriter : IChunkWriter
{
    /// <summary>S3 numbers parts 1 to 10,000.</summary>
    /// <summary>S3's most parts in one multipart upload.</summary>
    internal const int MaxParts = 10_000;

    private const string CsvContentType = "text/csv; charset=utf-8";

    // Stored as gzip, not as a Content-Encoding: a client that transparently decompressed would break the checksum.
    private const string GzipContentType = "application/gzip";

    private readonly S3ChunkSinkFactory _factory;
    private readonly string _key;
    private readonly string _contentType;
    private readonly int _partSize;
    private readonly int _maxInFlight;
    private readonly CancellationTokenSource _discard = new();
    private readonly Queue<Task<PartETag>> _inFlight = new();
    private readonly List<PartETag> _uploaded = [];

    private byte[]? _buffer;
    private int _filled;
    private string? _uploadId;
    private int _nextPart = 1;
    private State _state;

    public S3ChunkWriter(S3ChunkSinkFactory factory, string key)
    {
        _factory = factory;
        _key = key;
        _contentType = ChunkNames.IsGzip(key) ? GzipContentType : CsvContentType;
        _partSize = (int)factory.Options.PartSize;
        _maxInFlight = factory.Options.MaxPartsInFlight;
    }

    private enum State
    {
        Open,
        Committed,
        Faulted,
        Disposed,
    }

    private string Bucket => _factory.Options.BucketName;

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        _buffer ??= _factory.PartPool.Rent(_partSize);

        // Most writes only fill the current part. A part that is exactly full waits for more bytes before it uploads,
        // so a chunk of exactly one part still goes up with a single PUT.
        if (data.Length <= _partSize - _filled)
        {
            data.Span.CopyTo(_buffer.AsSpan(_filled));
            _filled += data.Length;
            return ValueTask.CompletedTask;
        }

        return WriteAcrossPartsAsync(data, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="IOException">The chunk's name is already committed; the stored chunk is left as it was.</exception>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_uploadId is null)
            {
                await PutWholeAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (_filled > 0)
                {
                    await StartPartAsync(cancellationToken).ConfigureAwait(false);
                }

                await CollectPartsAsync(keepInFlight: 0, cancellationToken).ConfigureAwait(false);
                await CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            _state = State.Committed;
            ReturnBuffer();
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_state == State.Disposed)
        {
            return;
        }

        bool committed = _state == State.Committed;
        _state = State.Disposed;
        try
        {
            if (!committed)
            {
                await DiscardAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            ReturnBuffer();
            _discard.Dispose();
        }
    }

    private async ValueTask WriteAcrossPartsAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            while (!data.IsEmpty)
            {
                if (_filled == _partSize)
                {
                    await StartPartAsync(cancellationToken).ConfigureAwait(false);
                }

                int take = Math.Min(_partSize - _filled, data.Length);
                data.Span[..take].CopyTo(_buffer.AsSpan(_filled));
                _filled += take;
                data = data[take..];
            }
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }
    }

    /// <summary>Hands the filled buffer to a background upload, waiting first while the most parts are in flight.</summary>
    private async ValueTask StartPartAsync(CancellationToken cancellationToken)
    {
        if (_nextPart > MaxParts)
        {
            // The factory's CheckLimits refuses such limits up front; an oversize record can still get here. A rerun would
            // fail the same way, so this is never retried.
            throw new ChunkStoreLimitException(
                $"s3://{Bucket}/{_key} would need more than {MaxParts} parts of {_partSize} bytes; raise the part size or lower the chunk size");
        }

        _uploadId ??= await InitiateAsync(cancellationToken).ConfigureAwait(false);
        await CollectPartsAsync(keepInFlight: _maxInFlight - 1, cancellationToken).ConfigureAwait(false);

        byte[] part = _buffer!;
        int length = _filled;
        int number = _nextPart++;
        _buffer = null;
        _filled = 0;

        // Off this thread: the SDK hashes the whole part to sign it before its first await, and the caller has
        // records to format meanwhile.
        _inFlight.Enqueue(Task.Run(() => UploadPartAsync(number, part, length, _discard.Token)));
        _buffer = _factory.PartPool.Rent(_partSize);
    }

    /// <summary>Waits for finished parts (and for the oldest ones until at most <paramref name="keepInFlight"/> remain).</summary>
    private async ValueTask CollectPartsAsync(int keepInFlight, CancellationToken cancellationToken)
    {
        while (_inFlight.Count > 0 && (_inFlight.Count > keepInFlight || _inFlight.Peek().IsCompleted))
        {
            PartETag done = await _inFlight.Peek().WaitAsync(cancellationToken).ConfigureAwait(false);
            _ = _inFlight.Dequeue();
            _uploaded.Add(done);
        }
    }

    private async Task<PartETag> UploadPartAsync(int number, byte[] part, int length, CancellationToken cancellationToken)
    {
        try
        {
            using var body = new MemoryStream(part, 0, length, writable: false);
            UploadPartResponse response = await _factory.Client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = Bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartNumber = number,
                    PartSize = length,
                    InputStream = body,
                    UseChunkEncoding = false,
                },
                cancellationToken).ConfigureAwait(false);
            return new PartETag(number, response.ETag);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap($"upload of part {number}", Bucket, _key, e);
        }
        finally
        {
            _factory.PartPool.Return(part);
        }
    }

    private async Task<string> InitiateAsync(CancellationToken cancellationToken)
    {
        try
        {
            InitiateMultipartUploadResponse response = await _factory.Client.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = Bucket, Key = _key, ContentType = _contentType },
                cancellationToken).ConfigureAwait(false);
            return response.UploadId;
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("start of a multipart upload", Bucket, _key, e);
        }
    }

    private async Task PutWholeAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(_buffer ?? [], 0, _filled, writable: false);
        try
        {
            await _factory.Client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = _key,
                    InputStream = body,
                    AutoCloseStream = false,
                    ContentType = _contentType,
                    UseChunkEncoding = false,

                    // A chunk name is published once; a second writer of the same name must fail, not replace it.
                    IfNoneMatch = "*",
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsPreconditionFailed(e))
        {
            // Stored already (an earlier attempt committed it but died before recording it, or a stale writer of the
            // same rows): the same bytes are kept as they are, anything else is refused.
            if (await StoredETagAsync(cancellationToken).ConfigureAwait(false) != SinglePutETag(_buffer.AsSpan(0, _filled)))
            {
                throw AlreadyCommitted(e);
            }
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("PUT", Bucket, _key, e);
        }
    }

    private async Task CompleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Ceph Pacific ignores If-None-Match on completion (AWS honours it), so look first. Two writers of one name
            // racing within this window is the one case left; one export never writes a chunk twice at once.
            GetObjectMetadataResponse stored = await _factory.Client.GetObjectMetadataAsync(Bucket, _key, cancellationToken).ConfigureAwait(false);
            if (stored.ETag == MultipartETag(_uploaded))
            {
                // The same parts are stored already (an attempt that died before recording the chunk): kept as they
                // are, not written again; this upload goes.
                await AbortAsync().ConfigureAwait(false);
                return;
            }

            throw AlreadyCommitted(null);
        }
        catch (Exception e) when (S3Errors.IsNotFound(e))
        {
            // Free, as it should be.
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("HEAD", Bucket, _key, e);
        }

        try
        {
            // The response's ETag is not used: Ceph Pacific returns it empty.
            await _factory.Client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest
                {
                    BucketName = Bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartETags = _uploaded,
                    IfNoneMatch = "*",
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsPreconditionFailed(e))
        {
            if (await StoredETagAsync(cancellationToken).ConfigureAwait(false) != MultipartETag(_uploaded))
            {
                throw AlreadyCommitted(e);
            }

            await AbortAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("completion of the multipart upload", Bucket, _key, e);
        }
    }

    /// <summary>The ETag S3 gives an object stored with one PUT of <paramref name="body"/>: its MD5, quoted.</summary>
    internal static string SinglePutETag(ReadOnlySpan<byte> body)
    {
        // MD5 only because S3 names stored bytes by it; nothing here relies on it for security.
#pragma warning disable CA5351
        return $"\"{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(body))}\"";
#pragma warning restore CA5351
    }

    /// <summary>
    /// The ETag S3 gives an object completed from <paramref name="parts"/> (in order): the MD5 of their MD5s, a dash and
    /// the part count, quoted.
    /// </summary>
    internal static string MultipartETag(IReadOnlyList<PartETag> parts)
    {
        byte[] digests = new byte[parts.Count * 16];
        for (int i = 0; i < parts.Count; i++)
        {
            Convert.FromHexString(parts[i].ETag.Trim('"')).CopyTo(digests, i * 16);
        }

#pragma warning disable CA5351
        return $"\"{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(digests))}-{parts.Count}\"";
#pragma warning restore CA5351
    }

    private async Task<string?> StoredETagAsync(CancellationToken cancellationToken)
    {
        try
        {
            GetObjectMetadataResponse stored = await _factory.Client.GetObjectMetadataAsync(Bucket, _key, cancellationToken).ConfigureAwait(false);
            return stored.ETag;
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw S3Errors.Wrap("HEAD", Bucket, _key, e);
        }
    }

    private async Task AbortAsync()
    {
        try
        {
            await _factory.Client.AbortMultipartUploadAsync(Bucket, _key, _uploadId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            // Left open: the export's next clean-up lists and aborts it.
        }
    }

    /// <summary>Stops the parts in flight and aborts the upload. Never throws: the chunk is being thrown away.</summary>
    private async Task DiscardAsync()
    {
        await _discard.CancelAsync().ConfigureAwait(false);
        while (_inFlight.TryDequeue(out Task<PartETag>? part))
        {
            try
            {
                await part.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || S3Errors.IsStoreFailure(e) || e is IOException)
            {
                // A part failing while the chunk is discarded changes nothing.
            }
        }

        if (_uploadId is null)
        {
            return;
        }

        try
        {
            // Not cancellable: an abort cut short would leave the open upload this is here to prevent.
            await _factory.Client.AbortMultipartUploadAsync(Bucket, _key, _uploadId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            // The store is failing; the export's DeleteAllAsync lists and aborts open uploads under its prefix again.
        }
    }

    private IOException AlreadyCommitted(Exception? inner)
        => new($"s3://{Bucket}/{_key} is already committed; a chunk name is published once", inner);

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            _factory.PartPool.Return(_buffer);
            _buffer = null;
        }
    }

    private void ThrowIfClosed()
    {
        ObjectDisposedException.ThrowIf(_state == State.Disposed, this);
        if (_state == State.Committed)
        {
            throw new InvalidOperationException("the chunk is already committed");
        }

        if (_state == State.Faulted)
        {
            throw new InvalidOperationException($"an earlier write or commit of s3://{Bucket}/{_key} failed; dispose the chunk");
        }
    }
}
