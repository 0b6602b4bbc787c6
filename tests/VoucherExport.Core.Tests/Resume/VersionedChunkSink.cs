using System.Collections.Concurrent;
using VoucherExport.Chunks;

namespace VoucherExport.Tests.Resume;

/// <summary>Where a <see cref="VersionedChunkSink"/> throws once.</summary>
internal enum ResumeFaultKind
{
    /// <summary>While the chunk's bytes are committed to the sink (the chunk is not stored).</summary>
    InSinkCommit,

    /// <summary>Right after the sink committed the chunk, before the registry records it.</summary>
    BeforeRecord,

    /// <summary>Right after the registry recorded the chunk.</summary>
    AfterRecord,

    /// <summary>While the manifest is written.</summary>
    InManifest,
}

/// <summary>One injected fault: where, and at which chunk (1-based; ignored for the manifest).</summary>
internal sealed record ResumeFault(ResumeFaultKind Kind, int Chunk)
{
    public override string ToString() => Kind == ResumeFaultKind.InManifest ? "manifest" : $"{Kind}@{Chunk}";
}

/// <summary>The exception a fault throws.</summary>
internal sealed class InjectedFaultException(ResumeFault fault) : IOException($"injected fault {fault}");

/// <summary>
/// An in-memory sink that keeps, for every stored object, its bytes and how many times it was committed (its
/// "version", as S3's LastModified and ETag would change), and fires each listed fault once.
/// </summary>
internal sealed class VersionedChunkSink : IChunkSink
{
    private readonly ConcurrentDictionary<string, (byte[] Bytes, int Version)> _objects = new(StringComparer.Ordinal);
    private readonly List<ResumeFault> _pending;

    public VersionedChunkSink(IEnumerable<ResumeFault> faults) => _pending = [.. faults];

    public IReadOnlyDictionary<string, (byte[] Bytes, int Version)> Objects => _objects;

    /// <summary>Throws if <paramref name="kind"/> at <paramref name="chunkName"/> is a fault not fired yet (and fires it).</summary>
    public void Fire(ResumeFaultKind kind, string chunkName)
    {
        lock (_pending)
        {
            int index = _pending.FindIndex(f => f.Kind == kind
                && (kind == ResumeFaultKind.InManifest || ChunkInfo.NameFor(f.Chunk) == chunkName || ChunkInfo.NameFor(f.Chunk, ChunkCompression.Gzip) == chunkName));
            if (index < 0)
            {
                return;
            }

            ResumeFault fault = _pending[index];
            _pending.RemoveAt(index);
            throw new InjectedFaultException(fault);
        }
    }

    public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IChunkWriter>(new Writer(this, name));

    public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
    {
        Fire(ResumeFaultKind.InManifest, ChunkNames.Manifest);
        Store(ChunkNames.Manifest, manifestJson.ToArray());
        return ValueTask.CompletedTask;
    }

    public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Stream>(new MemoryStream(_objects[name].Bytes, writable: false));

    public ValueTask DeleteAllAsync(CancellationToken cancellationToken)
    {
        _objects.Clear();
        return ValueTask.CompletedTask;
    }

    public string? GetUrl(string name) => null;

    private void Store(string name, byte[] bytes) =>
        _objects.AddOrUpdate(name, (bytes, 1), (_, old) => (bytes, old.Version + 1));

    private sealed class Writer(VersionedChunkSink sink, string name) : IChunkWriter
    {
        private readonly MemoryStream _buffer = new();

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            _buffer.Write(data.Span);
            return ValueTask.CompletedTask;
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            sink.Fire(ResumeFaultKind.InSinkCommit, name);
            sink.Store(name, _buffer.ToArray());
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
