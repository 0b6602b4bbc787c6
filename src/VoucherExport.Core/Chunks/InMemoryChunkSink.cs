namespace VoucherExport.Chunks;

/// <summary>An <see cref="IChunkSink"/> in memory; only committed chunks appear in <see cref="Committed"/>.</summary>
public sealed class InMemoryChunkSink : IChunkSink
{
    /// <summary>The committed chunks and the manifest, by name, in commit order.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Committed => throw new NotImplementedException();

    /// <summary>Chunks started and not yet committed or discarded.</summary>
    public int OpenChunks => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask DeleteAllAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <inheritdoc />
    public string? GetUrl(string name) => null;
}
