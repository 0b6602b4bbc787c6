using VoucherExport.Chunks;

namespace VoucherExport.Tests.Chunks;

/// <summary>
/// A sink that keeps nothing and allocates nothing per write: it counts writes and bytes, so tests can measure the
/// chunked writer's own allocations and the size of the slices it hands over.
/// </summary>
internal sealed class CountingChunkSink : IChunkSink, IChunkWriter
{
    public int Writes { get; private set; }

    public long BytesWritten { get; private set; }

    public int SmallestWrite { get; private set; } = int.MaxValue;

    public int Commits { get; private set; }

    public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken)
        => ValueTask.FromResult<IChunkWriter>(this);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Writes++;
        BytesWritten += data.Length;
        SmallestWrite = Math.Min(SmallestWrite, data.Length);
        return ValueTask.CompletedTask;
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        Commits++;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask DeleteAllAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public string? GetUrl(string name) => null;
}
