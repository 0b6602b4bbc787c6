using System.Buffers;

namespace VoucherExport.Chunks;

/// <summary>A chunk of an <see cref="InMemoryChunkSink"/> being written; it is added to the sink only on commit.</summary>
internal sealed class InMemoryChunkWriter : IChunkWriter
{
    private readonly InMemoryChunkSink _sink;
    private readonly string _name;
    private ArrayBufferWriter<byte>? _content = new();
    private bool _committed;

    public InMemoryChunkWriter(InMemoryChunkSink sink, string name)
    {
        _sink = sink;
        _name = name;
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        cancellationToken.ThrowIfCancellationRequested();
        _content!.Write(data.Span);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        cancellationToken.ThrowIfCancellationRequested();
        _sink.Commit(_name, _content!);
        _committed = true;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_content is not null)
        {
            _content = null;
            if (!_committed)
            {
                _sink.Discard();
            }
        }

        return ValueTask.CompletedTask;
    }

    private void ThrowIfClosed()
    {
        ObjectDisposedException.ThrowIf(_content is null, this);
        if (_committed)
        {
            throw new InvalidOperationException("the chunk is already committed");
        }
    }
}
