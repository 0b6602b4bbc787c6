namespace VoucherExport.Tests.Transactions;

/// <summary>A seekable read-only stream over bytes that records where each read started, for tests of where a read begins.</summary>
public sealed class ReadPositionStream(byte[] data) : Stream
{
    private long _position;

    /// <summary>The position of every read, in order.</summary>
    public List<long> ReadsAt { get; } = [];

    /// <summary>Bytes handed out by all reads.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ReadsAt.Add(_position);
        int n = (int)Math.Clamp(data.Length - _position, 0, buffer.Length);
        data.AsSpan((int)_position, n).CopyTo(buffer);
        _position += n;
        BytesRead += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => data.Length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
