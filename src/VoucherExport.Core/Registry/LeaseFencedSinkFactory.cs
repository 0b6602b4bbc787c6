using VoucherExport.Chunks;

namespace VoucherExport.Registry;

/// <summary>
/// The sinks one run writes through: before it publishes its manifest or deletes what is stored, it checks with the
/// store that it still holds its lease, so a worker whose export was taken over neither publishes over the new run's
/// files nor deletes them.
/// </summary>
internal sealed class LeaseFencedSinkFactory(IChunkSinkFactory inner, Func<CancellationToken, ValueTask<bool>> stillHeld) : IChunkSinkFactory
{
    public IChunkSink Create(string exportId) => new Sink(inner.Create(exportId), stillHeld);

    public void CheckLimits(ChunkLimits limits) => inner.CheckLimits(limits);

    private sealed class Sink(IChunkSink inner, Func<CancellationToken, ValueTask<bool>> stillHeld) : IChunkSink
    {
        public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken) =>
            inner.CreateChunkAsync(name, cancellationToken);

        public async ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
        {
            if (!await stillHeld(cancellationToken).ConfigureAwait(false))
            {
                throw new ExportLeaseLostException();
            }

            await inner.WriteManifestAsync(manifestJson, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask<bool> TryCreateManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
        {
            if (!await stillHeld(cancellationToken).ConfigureAwait(false))
            {
                throw new ExportLeaseLostException();
            }

            return await inner.TryCreateManifestAsync(manifestJson, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) =>
            inner.OpenReadAsync(name, cancellationToken);

        public async ValueTask DeleteAllAsync(CancellationToken cancellationToken)
        {
            bool held;
            try
            {
                held = await stillHeld(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The store cannot say: keeping files is recoverable (the next attempt deletes them), deleting another
                // run's files is not.
                held = false;
            }

            if (held)
            {
                await inner.DeleteAllAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public async ValueTask DeleteUncommittedAsync(CancellationToken cancellationToken)
        {
            if (!await stillHeld(cancellationToken).ConfigureAwait(false))
            {
                throw new ExportLeaseLostException();
            }

            await inner.DeleteUncommittedAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DeleteUncommittedAsync(string namePrefix, CancellationToken cancellationToken)
        {
            if (!await stillHeld(cancellationToken).ConfigureAwait(false))
            {
                throw new ExportLeaseLostException();
            }

            await inner.DeleteUncommittedAsync(namePrefix, cancellationToken).ConfigureAwait(false);
        }

        public string? GetUrl(string name) => inner.GetUrl(name);
    }
}
