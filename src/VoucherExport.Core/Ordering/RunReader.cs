using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace VoucherExport.Ordering;

/// <summary>
/// Reads the records of one run, in order, through a bounded buffer: one record at a time is exposed, and the file is
/// read again only when the next record is not whole in the buffer.
/// </summary>
internal sealed class RunReader : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly long _fileLength;
    private Memory<byte> _buffer;
    private long _fileOffset;
    private int _start;
    private int _end;
    private int _length;

    public RunReader(SortedRun run, int index, Memory<byte> buffer)
    {
        Run = run;
        Index = index;
        _buffer = buffer;
        _file = File.OpenHandle(run.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
        _fileLength = run.Bytes;
    }

    public SortedRun Run { get; }

    /// <summary>The reader's place among the merge's inputs: equal keys come from the earlier run first.</summary>
    public int Index { get; }

    /// <summary>The created_at ticks of the current record.</summary>
    public long Ticks { get; private set; }

    /// <summary>The current record, length prefix included; valid until the next move.</summary>
    public ReadOnlyMemory<byte> Current => _buffer.Slice(_start, _length);

    /// <summary>Moves to the next record; false at the end of the run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        _start += _length;
        _length = 0;
        int available = _end - _start;
        if (available >= RunRecord.PrefixBytes)
        {
            int length = RunRecord.PrefixBytes + RunRecord.BodyLength(_buffer.Span[_start..]);
            if (available >= length)
            {
                Take(length);
                return new ValueTask<bool>(true);
            }
        }

        return MoveNextSlowAsync(cancellationToken);
    }

    public void Dispose() => _file.Dispose();

    private async ValueTask<bool> MoveNextSlowAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(RunRecord.PrefixBytes, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        int length = RunRecord.PrefixBytes + RunRecord.BodyLength(_buffer.Span[_start..]);
        if (!await FillAsync(length, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException($"{Run.Path}: the run ends inside a record; was it changed while the export ran?");
        }

        Take(length);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Take(int length)
    {
        _length = length;
        Ticks = RunRecord.Ticks(_buffer.Span.Slice(_start, length));
    }

    /// <summary>Reads until <paramref name="needed"/> bytes from the current place are buffered; false at a clean end.</summary>
    private async ValueTask<bool> FillAsync(int needed, CancellationToken cancellationToken)
    {
        int available = _end - _start;
        if (needed > _buffer.Length)
        {
            // A record larger than the buffer (a huge details object): this reader grows, the others are unaffected.
            var larger = new byte[Math.Max(needed, _buffer.Length * 2)];
            _buffer.Slice(_start, available).CopyTo(larger);
            _buffer = larger;
        }
        else if (_start > 0)
        {
            _buffer.Slice(_start, available).CopyTo(_buffer);
        }

        _start = 0;
        _end = available;
        while (_end < needed)
        {
            int read = _fileOffset >= _fileLength
                ? 0
                : await RandomAccess.ReadAsync(_file, _buffer[_end..], _fileOffset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end == 0)
                {
                    return false;
                }

                throw new InvalidDataException($"{Run.Path}: the run ends inside a record; was it changed while the export ran?");
            }

            _fileOffset += read;
            _end += read;
        }

        return true;
    }
}
