using VoucherExport.Chunks;

namespace VoucherExport.Tests.Faults;

/// <summary>Where a <see cref="FaultyChunkSinkFactory"/> fails.</summary>
internal sealed record SinkFault
{
    /// <summary>Throw once this many bytes have been written in all (disk full after N bytes).</summary>
    public long? AfterBytes { get; init; }

    /// <summary>Throw on the Nth chunk commit (1-based).</summary>
    public int? OnCommit { get; init; }

    /// <summary>Throw when the manifest is published.</summary>
    public bool OnManifest { get; init; }
}

/// <summary>An in-memory sink that fails where told, like a full disk or a store that drops the connection.</summary>
internal sealed class FaultyChunkSinkFactory(SinkFault fault) : IChunkSinkFactory
{
    private readonly SinkFault _fault = fault;
    private readonly InMemoryChunkSinkFactory _inner = new();
    private long _bytes;
    private int _commits;

    public InMemoryChunkSink? Find(string exportId) => _inner.Find(exportId);

    public IChunkSink Create(string exportId) => new Sink(this, _inner.Create(exportId));

    private static IOException DiskFull() => new("No space left on device (injected)");

    private sealed class Sink(FaultyChunkSinkFactory owner, IChunkSink inner) : IChunkSink
    {
        public async ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken) =>
            new Writer(owner, await inner.CreateChunkAsync(name, cancellationToken));

        public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) =>
            owner._fault.OnManifest ? throw DiskFull() : inner.WriteManifestAsync(manifestJson, cancellationToken);

        public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public ValueTask DeleteAllAsync(CancellationToken cancellationToken) => inner.DeleteAllAsync(cancellationToken);

        public string? GetUrl(string name) => inner.GetUrl(name);
    }

    private sealed class Writer(FaultyChunkSinkFactory owner, IChunkWriter inner) : IChunkWriter
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (owner._fault.AfterBytes is { } limit && Interlocked.Add(ref owner._bytes, data.Length) > limit)
            {
                throw DiskFull();
            }

            return inner.WriteAsync(data, cancellationToken);
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken) =>
            owner._fault.OnCommit is { } n && Interlocked.Increment(ref owner._commits) == n
                ? throw DiskFull()
                : inner.CommitAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
