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

        // No overwrite: a chunk name is published once, and an existing one means two writers raced.
        File.Move(_temporaryPath, _finalPath, overwrite: false);
        _committed = true;
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
