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

    /// <summary>Instead of throwing at <see cref="AfterBytes"/>, stall there until cancelled.</summary>
    public bool Stall { get; init; }

    /// <summary>How many times the fault fires before it clears (a transient fault); null: every time.</summary>
    public int? Times { get; init; }

    /// <summary>The exception thrown; default a full disk.</summary>
    public Func<Exception> Error { get; init; } = () => new IOException("No space left on device (injected)");
}

/// <summary>A sink that fails where told, like a full disk or a store that drops the connection; in memory unless given another.</summary>
internal sealed class FaultyChunkSinkFactory(SinkFault fault, IChunkSinkFactory? inner = null) : IChunkSinkFactory
{
    private readonly SinkFault _fault = fault;
    private readonly IChunkSinkFactory _inner = inner ?? new InMemoryChunkSinkFactory();
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _bytes;
    private int _commits;
    private int _fired;

    /// <summary>Completes when a write stalls.</summary>
    public Task Stalled => _stalled.Task;

    /// <summary>How many times the fault fired.</summary>
    public int Fired => Volatile.Read(ref _fired);

    public InMemoryChunkSink? Find(string exportId) => (_inner as InMemoryChunkSinkFactory)?.Find(exportId);

    public IChunkSink Create(string exportId) => new Sink(this, _inner.Create(exportId));

    public void CheckLimits(ChunkLimits limits) => _inner.CheckLimits(limits);

    /// <summary>Whether the fault fires now (it clears after <see cref="SinkFault.Times"/>).</summary>
    private bool Fire()
    {
        if (_fault.Times is { } times && Volatile.Read(ref _fired) >= times)
        {
            return false;
        }

        Interlocked.Increment(ref _fired);
        return true;
    }

    private sealed class Sink(FaultyChunkSinkFactory owner, IChunkSink inner) : IChunkSink
    {
        public async ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken) =>
            new Writer(owner, await inner.CreateChunkAsync(name, cancellationToken));

        public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) =>
            owner._fault.OnManifest && owner.Fire() ? throw owner._fault.Error() : inner.WriteManifestAsync(manifestJson, cancellationToken);

        public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public ValueTask DeleteAllAsync(CancellationToken cancellationToken) => inner.DeleteAllAsync(cancellationToken);

        public string? GetUrl(string name) => inner.GetUrl(name);
    }

    private sealed class Writer(FaultyChunkSinkFactory owner, IChunkWriter inner) : IChunkWriter
    {
        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (owner._fault.AfterBytes is { } limit && Interlocked.Add(ref owner._bytes, data.Length) > limit && owner.Fire())
            {
                if (!owner._fault.Stall)
                {
                    throw owner._fault.Error();
                }

                owner._stalled.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            await inner.WriteAsync(data, cancellationToken);
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken) =>
            owner._fault.OnCommit is { } n && Interlocked.Increment(ref owner._commits) == n && owner.Fire()
                ? throw owner._fault.Error()
                : inner.CommitAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
