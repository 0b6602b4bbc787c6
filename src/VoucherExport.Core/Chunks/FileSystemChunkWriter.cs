using Microsoft.Win32.SafeHandles;

namespace VoucherExport.Chunks;

/// <summary>One chunk being written to a temporary file; committing renames it to its final name.</summary>
/// <remarks>
/// The commit must not publish a name whose bytes a crash could lose, so it flushes the file to disk first. Done only
/// then, that flush wrote the whole chunk (64 MiB by default) while the export waited: tens of milliseconds a chunk with
/// every thread of the export idle. So every <see cref="DefaultEarlyFlushBytes"/> written, the bytes so far are flushed
/// to disk on a thread of their own while the export goes on, and the commit's flush finds little left to write.
/// </remarks>
internal sealed class FileSystemChunkWriter : IChunkWriter
{
    /// <summary>8 MiB: a few flushes a chunk, each short, and at most this much left for the commit's own flush.</summary>
    internal const long DefaultEarlyFlushBytes = 8 * 1024 * 1024;

    private readonly FileStream _stream;
    private readonly SafeFileHandle _handle;
    private readonly string _temporaryPath;
    private readonly string _finalPath;
    private readonly long _earlyFlushBytes;
    private long _unflushed;
    private Task? _flushing;
    private bool _committed;
    private bool _disposed;

    public FileSystemChunkWriter(FileStream stream, string temporaryPath, string finalPath, long earlyFlushBytes = DefaultEarlyFlushBytes)
    {
        _stream = stream;
        _handle = stream.SafeFileHandle;
        _temporaryPath = temporaryPath;
        _finalPath = finalPath;
        _earlyFlushBytes = earlyFlushBytes;
    }

    /// <summary>Flushes started before the commit (tests check that a large chunk gets some).</summary>
    internal int EarlyFlushes { get; private set; }

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        _unflushed += data.Length;
        if (_unflushed >= _earlyFlushBytes && _flushing is not { IsCompleted: false })
        {
            // A failed early flush fails the next one or the commit, which waits for it: the chunk is then not published.
            _flushing?.GetAwaiter().GetResult();
            _unflushed = 0;
            EarlyFlushes++;

            // Its own thread: a flush blocks in the kernel for milliseconds, and the export's pool threads have work.
            _flushing = Task.Factory.StartNew(
                static handle => RandomAccess.FlushToDisk((SafeFileHandle)handle!), _handle, CancellationToken.None,
                TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
        }

        return _stream.WriteAsync(data, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_flushing is { } early)
        {
            _flushing = null;
            await early.ConfigureAwait(false);
        }

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
        if (_flushing is { } early)
        {
            // The file is closed only once no flush uses it; an uncommitted chunk is deleted, so its flush's outcome does not matter.
            _flushing = null;
            try
            {
                await early.ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Nothing of this chunk is published.
            }
        }

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
