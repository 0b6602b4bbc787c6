using System.Buffers;

namespace VoucherExport.Tests.Csv;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> as stingy as the contract allows: every span is exactly the size asked for
/// (1 byte when asked for 0), freshly filled with garbage, so a writer that relies on spare room, on stale bytes,
/// or on advancing further than it asked for fails here.
/// </summary>
internal sealed class TinyBufferWriter : IBufferWriter<byte>
{
    private readonly List<byte> _written = [];
    private byte[] _span = [];
    private bool _spanOut;

    public int SpansHandedOut { get; private set; }

    public byte[] WrittenBytes => [.. _written];

    public void Advance(int count)
    {
        if (!_spanOut && count != 0)
        {
            throw new InvalidOperationException("Advance without a span");
        }

        if (count < 0 || count > _span.Length)
        {
            throw new InvalidOperationException($"advanced {count} bytes past a span of {_span.Length}");
        }

        _written.AddRange(_span.AsSpan(0, count));
        _spanOut = false;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        _span = new byte[Math.Max(sizeHint, 1)];
        _span.AsSpan().Fill(0xCC);
        _spanOut = true;
        SpansHandedOut++;
        return _span;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
