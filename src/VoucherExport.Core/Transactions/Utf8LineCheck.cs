using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace VoucherExport.Transactions;

/// <summary>
/// A read-only stream over a CSV ledger that notes, by physical line, where the bytes are not UTF-8, so the reader (which
/// decodes ahead of the record it returns, and so cannot tell which record a decoder error belongs to) can name the exact
/// line, or skip exactly the records that hold such a line.
/// </summary>
internal sealed class Utf8LineCheck(Stream inner, SourceReadProgress? read = null) : Stream
{
    private readonly Queue<long> _badLines = new();
    private readonly byte[] _carry = new byte[4];
    private int _carried;
    private long _line = 1;
    private long _lastNoted;

    /// <summary>Takes every noted bad line up to <paramref name="lastLine"/>; returns the first of them, or 0 when there was none.</summary>
    public long TakeBadLinesThrough(long lastLine)
    {
        long first = 0;
        while (_badLines.TryPeek(out long line) && line <= lastLine)
        {
            _badLines.Dequeue();
            first = first == 0 ? line : first;
        }

        return first;
    }

    /// <summary>The first bad line noted and not yet taken, or 0.</summary>
    public long FirstPendingBadLine => _badLines.TryPeek(out long line) ? line : 0;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int count = inner.Read(buffer);
        Inspect(buffer[..count], final: count == 0);
        read?.Add(count);
        return count;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int count = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.Span[..count], final: count == 0);
        read?.Add(count);
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Inspect(ReadOnlySpan<byte> data, bool final)
    {
        if (final)
        {
            if (_carried > 0)
            {
                // The input ended inside a sequence.
                Note(_line);
                _carried = 0;
            }

            return;
        }

        if (_carried > 0)
        {
            // A sequence split across reads: decode it from the carried prefix and the first bytes of this read.
            Span<byte> joined = stackalloc byte[7];
            _carry.AsSpan(0, _carried).CopyTo(joined);
            int taken = Math.Min(3, data.Length);
            data[..taken].CopyTo(joined[_carried..]);
            OperationStatus status = Rune.DecodeFromUtf8(joined[..(_carried + taken)], out _, out int used);
            if (status == OperationStatus.NeedMoreData)
            {
                data.CopyTo(_carry.AsSpan(_carried));
                _carried += data.Length;
                return;
            }

            if (status == OperationStatus.Done)
            {
                data = data[(used - _carried)..];
            }
            else
            {
                // The carried bytes are a prefix the new bytes do not complete; they are dropped and the new bytes scanned afresh.
                Note(_line);
            }

            _carried = 0;
        }

        int tail = IncompleteTail(data);
        ReadOnlySpan<byte> whole = data[..^tail];
        if (Utf8.IsValid(whole))
        {
            _line += whole.Count((byte)'\n');
        }
        else
        {
            Walk(whole);
        }

        data[^tail..].CopyTo(_carry);
        _carried = tail;
    }

    private void Walk(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(data, out _, out int used);
            if (status != OperationStatus.Done)
            {
                Note(_line);
            }

            if (data[0] == '\n')
            {
                _line++;
            }

            data = data[Math.Max(used, 1)..];
        }
    }

    /// <summary>The length of a sequence cut off at the end of <paramref name="data"/> (0 to 3 bytes).</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> data)
    {
        for (int back = 1; back <= Math.Min(3, data.Length); back++)
        {
            byte b = data[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return need > back ? back : 0;
        }

        return 0;
    }

    private void Note(long line)
    {
        // A line with several bad sequences is noted once.
        if (_lastNoted != line)
        {
            _badLines.Enqueue(line);
            _lastNoted = line;
        }
    }
}
