using VoucherExport.Chunks;

namespace VoucherExport.Integration.Tests.Resume;

/// <summary>
/// Passes a real sink factory through, calling <c>hook</c> at the sink points of <see cref="HookPoint"/> (a hook that
/// throws injects a fault there; one that waits pauses the writer), and noting every chunk opened.
/// </summary>
internal sealed class HookedChunkSinkFactory(IChunkSinkFactory inner, Func<HookPoint, string?, long, ValueTask> hook) : IChunkSinkFactory
{
    /// <summary>Called with each chunk name as a writer opens it, before the sink sees it.</summary>
    public Action<string>? Opened { get; init; }

    public IChunkSink Create(string exportId) => new Sink(this, inner.Create(exportId));

    public void CheckLimits(ChunkLimits limits) => inner.CheckLimits(limits);

    private sealed class Sink(HookedChunkSinkFactory owner, IChunkSink inner) : IChunkSink
    {
        public async ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken)
        {
            owner.Opened?.Invoke(name);
            return new Writer(owner, name, await inner.CreateChunkAsync(name, cancellationToken));
        }

        public async ValueTask<bool> TryCreateManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
        {
            await owner.Hook(HookPoint.BeforeManifest, null, manifestJson.Length);
            bool created = await inner.TryCreateManifestAsync(manifestJson, cancellationToken);
            if (created)
            {
                // Only a manifest this writer stored: one refused because another is there is not "after the manifest".
                await owner.Hook(HookPoint.AfterManifest, null, manifestJson.Length);
            }

            return created;
        }

        public async ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
        {
            await owner.Hook(HookPoint.BeforeManifest, null, manifestJson.Length);
            await inner.WriteManifestAsync(manifestJson, cancellationToken);
            await owner.Hook(HookPoint.AfterManifest, null, manifestJson.Length);
        }

        public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public ValueTask DeleteAllAsync(CancellationToken cancellationToken) => inner.DeleteAllAsync(cancellationToken);

        public ValueTask DeleteUncommittedAsync(CancellationToken cancellationToken) => inner.DeleteUncommittedAsync(cancellationToken);

        public ValueTask DeleteUncommittedAsync(string namePrefix, CancellationToken cancellationToken) =>
            inner.DeleteUncommittedAsync(namePrefix, cancellationToken);

        public string? GetUrl(string name) => inner.GetUrl(name);
    }

    private ValueTask Hook(HookPoint point, string? name, long bytes) => hook(point, name, bytes);

    private sealed class Writer(HookedChunkSinkFactory owner, string name, IChunkWriter inner) : IChunkWriter
    {
        private long _bytes;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            await owner.Hook(HookPoint.BeforeWrite, name, _bytes);
            await inner.WriteAsync(data, cancellationToken);
            _bytes += data.Length;
            await owner.Hook(HookPoint.AfterWrite, name, _bytes);
        }

        public async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            await owner.Hook(HookPoint.BeforeCommit, name, _bytes);
            await inner.CommitAsync(cancellationToken);
            await owner.Hook(HookPoint.AfterCommit, name, _bytes);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
