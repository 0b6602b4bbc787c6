using System.Text;

namespace VoucherExport.Benchmarks.Sinks;

/// <summary>
/// A write-only stream that compares what it is given with expected bytes as they arrive, so a case's whole output is
/// checked without holding a second copy of it; it remembers where the first difference is and what it looked like.
/// </summary>
internal sealed class ComparingStream(byte[] expected) : Stream
{
    private const int Context = 60;

    private long _position;

    /// <summary>The offset of the first byte that differs, or -1 while everything matched.</summary>
    public long FirstDifference { get; private set; } = -1;

    /// <summary>What was written from the first difference on (up to a few dozen bytes of the write that held it).</summary>
    public string ActualThere { get; private set; } = "";

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Null when the output is exactly the expected bytes; otherwise where and how it differs.</summary>
    public string? Difference()
    {
        if (FirstDifference < 0 && _position == expected.Length)
        {
            return null;
        }

        long at = FirstDifference >= 0 ? FirstDifference : Math.Min(_position, expected.Length);
        int line = expected.AsSpan(0, (int)Math.Min(at, expected.Length)).Count((byte)'\n') + 1;
        string wanted = Show(expected.AsSpan((int)Math.Min(at, expected.Length), (int)Math.Min(Context, expected.Length - Math.Min(at, expected.Length))));
        return FirstDifference >= 0
            ? $"byte {at} (line {line}): expected \"{wanted}\", got \"{ActualThere}\""
            : $"length {_position}, expected {expected.Length} (line {line}: expected \"{wanted}\")";
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (FirstDifference < 0)
        {
            long available = Math.Max(0, expected.Length - _position);
            ReadOnlySpan<byte> wanted = expected.AsSpan((int)Math.Min(_position, expected.Length), (int)Math.Min(available, buffer.Length));
            int common = buffer.CommonPrefixLength(wanted);
            if (common < buffer.Length)
            {
                FirstDifference = _position + common;
                ActualThere = Show(buffer.Slice(common, Math.Min(Context, buffer.Length - common)));
            }
        }

        _position += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private static string Show(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
