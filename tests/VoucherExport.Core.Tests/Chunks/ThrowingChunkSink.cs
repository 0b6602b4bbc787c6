using VoucherExport.Chunks;

namespace VoucherExport.Tests.Chunks;

/// <summary>Wraps a sink and fails on purpose: the Nth chunk write (counted across chunks) throws, as a full disk would.</summary>
internal sealed class ThrowingChunkSink(IChunkSink inner, int failOnWrite) : IChunkSink
{
    private readonly int _failOnWrite = failOnWrite;
    private int _writes;

    public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken)
        => Wrap(inner.CreateChunkAsync(name, cancellationToken));

    public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
        => inner.WriteManifestAsync(manifestJson, cancellationToken);

    public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

    public ValueTask DeleteAllAsync(CancellationToken cancellationToken) => inner.DeleteAllAsync(cancellationToken);

    public string? GetUrl(string name) => inner.GetUrl(name);

    private async ValueTask<IChunkWriter> Wrap(ValueTask<IChunkWriter> writer) => new Writer(this, await writer);

    private sealed class Writer(ThrowingChunkSink sink, IChunkWriter inner) : IChunkWriter
    {
        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (++sink._writes == sink._failOnWrite)
            {
                // Half the slice reaches storage before the failure, as it would on a real device.
                await inner.WriteAsync(data[..(data.Length / 2)], cancellationToken);
                throw new IOException("simulated write failure");
            }

            await inner.WriteAsync(data, cancellationToken);
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
