namespace VoucherExport.Chunks;

/// <summary>One chunk being written to a temporary file; committing renames it to its final name.</summary>
internal sealed class FileSystemChunkWriter : IChunkWriter
{
    private readonly FileStream _stream;
    private readonly string _temporaryPath;
    private readonly string _finalPath;
    private bool _committed;
    private bool _disposed;

    public FileSystemChunkWriter(FileStream stream, string temporaryPath, string finalPath)
    {
        _stream = stream;
        _temporaryPath = temporaryPath;
        _finalPath = finalPath;
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        return _stream.WriteAsync(data, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);

        // The rename must not publish a name whose bytes could still be lost in a crash.
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync().ConfigureAwait(false);

        // No overwrite: a chunk name is published once. One stored already with the same bytes (an earlier attempt that
        // committed it and died before recording it) is kept as it is; other bytes mean two writers raced.
        try
        {
            File.Move(_temporaryPath, _finalPath, overwrite: false);
        }
        catch (IOException) when (File.Exists(_finalPath))
        {
            if (!await SameBytesAsync(_temporaryPath, _finalPath, cancellationToken).ConfigureAwait(false))
            {
                throw new IOException($"{_finalPath} is already committed with other bytes; a chunk name is published once");
            }

            FileSystemChunkSink.DeleteQuietly(_temporaryPath);
        }

        _committed = true;
    }

    private static async Task<bool> SameBytesAsync(string one, string other, CancellationToken cancellationToken)
    {
        FileStream a = File.OpenRead(one);
        await using (a.ConfigureAwait(false))
        {
            FileStream b = File.OpenRead(other);
            await using (b.ConfigureAwait(false))
            {
                if (a.Length != b.Length)
                {
                    return false;
                }

                byte[] left = new byte[81920], right = new byte[81920];
                int read;
                while ((read = await a.ReadAsync(left, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await b.ReadExactlyAsync(right.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    if (!left.AsSpan(0, read).SequenceEqual(right.AsSpan(0, read)))
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (!_committed)
        {
            FileSystemChunkSink.DeleteQuietly(_temporaryPath);
        }
    }

    private void ThrowIfClosed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException("the chunk is already committed");
        }
    }
}
