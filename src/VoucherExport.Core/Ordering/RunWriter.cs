using System.Buffers;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace VoucherExport.Ordering;

/// <summary>Writes the records of one run to its file through one pooled buffer.</summary>
internal sealed class RunWriter : IDisposable
{
    // 256 KiB writes: few system calls, and the buffer stays out of the way of the run's budget.
    private const int BufferBytes = 256 * 1024;

    private readonly SafeFileHandle _file;
    private readonly SpillSpace _space;
    private readonly ArrayPool<byte> _pool;
    private byte[]? _buffer;
    private int _used;
    private long _offset;
    private long _rows;

    public RunWriter(SpillSpace space, ArrayPool<byte> pool)
    {
        _space = space;
        _pool = pool;
        Path = space.NextFile();
        _file = File.OpenHandle(Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);

        // Rented only once the file is open: a constructor that throws is never disposed, so nothing may be held yet.
        _buffer = pool.Rent(BufferBytes);
    }

    public string Path { get; }

    /// <summary>Appends one record (length prefix included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ValueTask WriteAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(RunWriter));
        if (record.Length <= buffer.Length - _used)
        {
            record.Span.CopyTo(buffer.AsSpan(_used));
            _used += record.Length;
            _rows++;
            return ValueTask.CompletedTask;
        }

        return WriteSlowAsync(record, cancellationToken);
    }

    /// <summary>Writes what is buffered and returns the finished run.</summary>
    public async ValueTask<SortedRun> CompleteAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return new SortedRun(Path, _offset, _rows);
    }

    public void Dispose()
    {
        _file.Dispose();
        if (_buffer is not null)
        {
            _pool.Return(_buffer);
            _buffer = null;
        }
    }

    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        if (record.Length <= _buffer!.Length)
        {
            record.Span.CopyTo(_buffer);
            _used = record.Length;
        }
        else
        {
            await WriteFileAsync(record, cancellationToken).ConfigureAwait(false);
        }

        _rows++;
    }

    private ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_used == 0)
        {
            return ValueTask.CompletedTask;
        }

        int used = _used;
        _used = 0;
        return WriteFileAsync(_buffer.AsMemory(0, used), cancellationToken);
    }

    private async ValueTask WriteFileAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        _space.Reserve(bytes.Length);
        await RandomAccess.WriteAsync(_file, bytes, _offset, cancellationToken).ConfigureAwait(false);
        _offset += bytes.Length;
    }
}
