using System.Buffers;

namespace VoucherExport.Chunks;

/// <summary>
/// A pooled, growable byte buffer the records of the open chunk are formatted into before they are handed to the
/// chunk writer in large slices. Unlike a general buffer writer it can swap the front of its content, which is how a
/// record that starts a new chunk gets the preamble in front of it without being formatted twice.
/// </summary>
internal sealed class StagingBuffer : IBufferWriter<byte>, IDisposable
{
    private readonly int _initialCapacity;
    private readonly ArrayPool<byte> _pool;
    private byte[] _buffer;
    private int _count;
    private bool _disposed;

    public StagingBuffer(int initialCapacity, ArrayPool<byte> pool)
    {
        _initialCapacity = Math.Max(initialCapacity, 1);
        _pool = pool;
        _buffer = pool.Rent(_initialCapacity);
    }

    /// <summary>Bytes written and not yet cleared.</summary>
    public int Count => _count;

    /// <summary>The bytes written.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _count);

    /// <inheritdoc />
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _count))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "advanced past the span handed out");
        }

        _count += count;
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_count);
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_count);
    }

    /// <summary>
    /// Forgets everything written. A buffer that grew far past its usual size for one huge record goes back to the
    /// pool, so memory stays bounded by the flush threshold rather than by the largest record ever seen.
    /// </summary>
    public void Clear()
    {
        _count = 0;
        if (_buffer.Length > 4 * _initialCapacity)
        {
            _pool.Return(_buffer);
            _buffer = _pool.Rent(_initialCapacity);
        }
    }

    /// <summary>Replaces the first <paramref name="prefixLength"/> bytes with <paramref name="replacement"/>, keeping the rest after it.</summary>
    public void ReplacePrefix(int prefixLength, ReadOnlySpan<byte> replacement)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)prefixLength, (uint)_count, nameof(prefixLength));
        int kept = _count - prefixLength;
        int needed = replacement.Length + kept;
        if (needed > _buffer.Length)
        {
            Resize(needed);
        }

        _buffer.AsSpan(prefixLength, kept).CopyTo(_buffer.AsSpan(replacement.Length));
        replacement.CopyTo(_buffer);
        _count = needed;
    }

    /// <summary>Returns the memory to the pool; the buffer is empty and unusable afterwards.</summary>
    public void Dispose()
    {
        byte[] buffer = _buffer;
        _disposed = true;
        _buffer = [];
        _count = 0;
        if (buffer.Length != 0)
        {
            _pool.Return(buffer);
        }
    }

    private void EnsureFree(int sizeHint)
    {
        int wanted = Math.Max(sizeHint, 1);
        if (_buffer.Length - _count < wanted)
        {
            Resize((long)_count + wanted);
        }
    }

    private void Resize(long needed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"a chunk staging buffer cannot hold {needed} bytes");
        }

        long doubled = Math.Max(2L * _buffer.Length, _initialCapacity);
        int size = (int)Math.Min(Math.Max(doubled, needed), Array.MaxLength);
        byte[] larger = _pool.Rent(size);
        _buffer.AsSpan(0, _count).CopyTo(larger);
        byte[] old = _buffer;
        _buffer = larger;
        if (old.Length != 0)
        {
            _pool.Return(old);
        }
    }
}
