namespace VoucherExport.Tests.Transactions;

/// <summary>A read-only stream of a prefix, a long run of one byte, and a suffix, made as it is read (a 50 MB line costs no 50 MB array).</summary>
internal sealed class LongLineStream(byte[] prefix, long fillLength, byte fill, byte[] suffix) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => prefix.Length + fillLength + suffix.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int written = 0;
        while (written < buffer.Length && _position < Length)
        {
            Span<byte> free = buffer[written..];
            int n;
            if (_position < prefix.Length)
            {
                n = Math.Min(free.Length, prefix.Length - (int)_position);
                prefix.AsSpan((int)_position, n).CopyTo(free);
            }
            else if (_position < prefix.Length + fillLength)
            {
                n = (int)Math.Min(free.Length, prefix.Length + fillLength - _position);
                free[..n].Fill(fill);
            }
            else
            {
                int at = (int)(_position - prefix.Length - fillLength);
                n = Math.Min(free.Length, suffix.Length - at);
                suffix.AsSpan(at, n).CopyTo(free);
            }

            written += n;
            _position += n;
        }

        return written;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
