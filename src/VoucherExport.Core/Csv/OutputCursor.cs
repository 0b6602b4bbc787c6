using System.Buffers;

namespace VoucherExport.Csv;

/// <summary>
/// The span of an <see cref="IBufferWriter{T}"/> a record is being written into. A record normally fits the first
/// span; when a cell needs more room the bytes so far are advanced and a span of the cell's bound is requested,
/// so the writer stays correct with outputs that hand out spans exactly as large as asked.
/// </summary>
internal ref struct OutputCursor
{
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _position;
    private int _advanced;

    public OutputCursor(IBufferWriter<byte> output, int sizeHint)
    {
        _output = output;
        _span = output.GetSpan(sizeHint);
    }

    /// <summary>Bytes written so far, advanced or not.</summary>
    public readonly int Total => _advanced + _position;

    /// <summary>A span of at least <paramref name="size"/> bytes at the write position.</summary>
    public Span<byte> Reserve(int size)
    {
        if (_span.Length - _position < size)
        {
            Refill(size);
        }

        return _span[_position..];
    }

    /// <summary>Keeps <paramref name="count"/> bytes of the span last reserved.</summary>
    public void Commit(int count) => _position += count;

    /// <summary>Advances the output past everything written; returns the record's length.</summary>
    public readonly int Finish()
    {
        _output.Advance(_position);
        return _advanced + _position;
    }

    private void Refill(int size)
    {
        if (_position != 0)
        {
            _output.Advance(_position);
            _advanced += _position;
            _position = 0;
        }

        _span = _output.GetSpan(size);
        if (_span.Length < size)
        {
            throw new InvalidOperationException($"the output buffer handed out {_span.Length} bytes where {size} were asked for");
        }
    }
}
