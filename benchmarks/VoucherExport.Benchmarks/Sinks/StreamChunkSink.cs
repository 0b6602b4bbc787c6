using VoucherExport.Chunks;

namespace VoucherExport.Benchmarks.Sinks;

/// <summary>
/// Writes every chunk of an export into one stream, back to back, with the header only once: the engine's output in
/// the same shape as a peer's single file, so the same stream types receive both and the bytes can be compared.
/// </summary>
/// <remarks>One instance serves one export; it is its own chunk writer, so a run allocates nothing per chunk here.</remarks>
internal class StreamChunkSink(Stream destination, int preambleLength) : IChunkSink, IChunkSinkFactory, IChunkWriter
{
    private int _chunks;
    private int _skip;

    public IChunkSink Create(string exportId) => this;

    public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken)
    {
        // Every chunk starts with the header; the file it stands for has it once.
        _skip = _chunks++ == 0 ? 0 : preambleLength;
        return ValueTask.FromResult<IChunkWriter>(this);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int skipped = Math.Min(_skip, data.Length);
        _skip -= skipped;
        destination.Write(data.Span[skipped..]);
        return ValueTask.CompletedTask;
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask DeleteAllAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public string? GetUrl(string name) => null;
}
