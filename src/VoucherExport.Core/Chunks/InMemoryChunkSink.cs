using System.Buffers;

namespace VoucherExport.Chunks;

/// <summary>An <see cref="IChunkSink"/> in memory; only committed chunks appear in <see cref="Committed"/>.</summary>
/// <remarks>Thread-safe. Checks names as the file-system sink does, so the same contract tests hold for both.</remarks>
public sealed class InMemoryChunkSink : IChunkSink
{
    private readonly Lock _lock = new();
    private readonly List<KeyValuePair<string, byte[]>> _committed = [];
    private int _openChunks;

    /// <summary>The committed chunks and the manifest, by name, in commit order.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Committed
    {
        get
        {
            lock (_lock)
            {
                return _committed.ToArray();
            }
        }
    }

    /// <summary>Chunks started and not yet committed or discarded.</summary>
    public int OpenChunks => Volatile.Read(ref _openChunks);

    /// <inheritdoc />
    public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken)
    {
        ChunkNames.ThrowIfNotChunk(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _openChunks);
        return ValueTask.FromResult<IChunkWriter>(new InMemoryChunkWriter(this, name));
    }

    /// <inheritdoc />
    public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        byte[] copy = manifestJson.ToArray();
        lock (_lock)
        {
            // A rewritten manifest counts as committed anew, so it moves to the end of the commit order.
            int existing = IndexOf(ChunkNames.Manifest);
            if (existing >= 0)
            {
                _committed.RemoveAt(existing);
            }

            _committed.Add(new(ChunkNames.Manifest, copy));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        ChunkNames.ThrowIfNotStored(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            int index = IndexOf(name);
            if (index < 0)
            {
                throw new FileNotFoundException($"{name} is not stored (or not committed yet)", name);
            }

            return ValueTask.FromResult<Stream>(new MemoryStream(_committed[index].Value, writable: false));
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteAllAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _committed.Clear();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public string? GetUrl(string name) => null;

    internal void Commit(string name, ArrayBufferWriter<byte> content)
    {
        lock (_lock)
        {
            // Committed already: kept as it is when the bytes are the same (a resumed attempt writing the chunk an earlier
            // attempt committed but did not record); other bytes mean two writers raced.
            int existing = IndexOf(name);
            if (existing >= 0 && !_committed[existing].Value.AsSpan().SequenceEqual(content.WrittenSpan))
            {
                throw new IOException($"{name} is already committed with other bytes");
            }

            if (existing < 0)
            {
                _committed.Add(new(name, content.WrittenSpan.ToArray()));
            }
        }

        Interlocked.Decrement(ref _openChunks);
    }

    internal void Discard() => Interlocked.Decrement(ref _openChunks);

    private int IndexOf(string name)
    {
        for (int i = 0; i < _committed.Count; i++)
        {
            if (_committed[i].Key == name)
            {
                return i;
            }
        }

        return -1;
    }
}
