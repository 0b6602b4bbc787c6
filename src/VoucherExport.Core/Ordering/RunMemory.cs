using System.Buffers;
using System.Runtime.CompilerServices;
using VoucherExport.Transactions;

namespace VoucherExport.Ordering;

/// <summary>
/// The memory of one run: rows encoded as <see cref="RunRecord"/>s into fixed segments, and an index of them to sort.
/// Rows are encoded as they arrive, so the source's objects die young and the heap does not grow with the run; the
/// segments are kept from run to run and, once every run is written, lend their memory to the merge's read buffers.
/// </summary>
internal sealed class RunMemory
{
    // 1 MiB segments: few enough to track, large enough for sequential writes and merge reads.
    private const int MaxSegmentBytes = 1024 * 1024;

    // A merge buffer smaller than this would read a few records per system call; such readers get their own.
    private const int MinReadBufferBytes = 4096;

    private readonly long _budget;
    private readonly ArrayPool<byte> _pool;
    private readonly int _segmentSize;
    private readonly List<byte[]> _segments = [];
    private readonly List<byte[]> _large = [];
    private int _segment = -1;
    private int _position;
    private long _largeBytes;
    private Entry[] _entries = new Entry[1024];
    private int _count;

    public RunMemory(long budget, ArrayPool<byte> pool)
    {
        _budget = budget;
        _pool = pool;
        _segmentSize = (int)Math.Clamp(budget / 16, MinReadBufferBytes, MaxSegmentBytes);
    }

    /// <summary>Rows held.</summary>
    public int Count => _count;

    /// <summary>The bytes this run holds against the budget: segments begun, records too large for one, the index.</summary>
    public long BytesUsed => ((long)(_segment + 1) * _segmentSize) + _largeBytes + ((long)_count * Unsafe.SizeOf<Entry>());

    /// <summary>Encodes <paramref name="row"/> into the run, or returns false, taking nothing, when the budget is spent.</summary>
    /// <remarks>An empty run takes any row, so a run always makes progress whatever the budget.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryAdd(VoucherTransaction row)
    {
        long max = RunRecord.MaxLength(row);
        int entryBytes = Unsafe.SizeOf<Entry>();
        if (max > _segmentSize)
        {
            return TryAddLarge(row, max);
        }

        if (_segment < 0 || _position + max > _segmentSize)
        {
            if (_count > 0 && BytesUsed + _segmentSize + entryBytes > _budget)
            {
                return false;
            }

            _segment++;
            _position = 0;
            if (_segment == _segments.Count)
            {
                _segments.Add(GC.AllocateUninitializedArray<byte>(_segmentSize));
            }
        }
        else if (_count > 0 && BytesUsed + entryBytes > _budget)
        {
            return false;
        }

        Span<byte> room = _segments[_segment].AsSpan(_position);
        int length = RunRecord.Write(row, room);
        Append(new Entry(RunRecord.Ticks(room), _segment, _position, length));
        _position += length;
        return true;
    }

    /// <summary>Sorts the index by the export's order (<paramref name="sign"/> 1 ascending, -1 descending).</summary>
    public void Sort(int sign) => _entries.AsSpan(0, _count).Sort(new EntryOrder(this, sign));

    /// <summary>The <paramref name="index"/>th record in index order, length prefix included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlyMemory<byte> Record(int index)
    {
        ref readonly Entry entry = ref _entries[index];
        return entry.Segment >= 0
            ? _segments[entry.Segment].AsMemory(entry.Offset, entry.Length)
            : _large[~entry.Segment];
    }

    /// <summary>Forgets the rows; the segments stay for the next run.</summary>
    public void Clear()
    {
        _count = 0;
        _segment = -1;
        _position = 0;
        _large.Clear();
        _largeBytes = 0;
    }

    /// <summary>
    /// The read buffer of merge input <paramref name="index"/> of <paramref name="readers"/>, carved from the segments
    /// (call only once the run is <see cref="Clear"/>ed): the merge stays within the memory the runs were built in.
    /// </summary>
    public Memory<byte> ReadBuffer(int index, int readers)
    {
        if (_segments.Count == 0)
        {
            _segments.Add(GC.AllocateUninitializedArray<byte>(_segmentSize));
        }

        int perSegment = (readers + _segments.Count - 1) / _segments.Count;
        int size = _segmentSize / perSegment;
        if (size < MinReadBufferBytes)
        {
            return new byte[MinReadBufferBytes];
        }

        return _segments[index / perSegment].AsMemory(index % perSegment * size, size);
    }

    private bool TryAddLarge(VoucherTransaction row, long max)
    {
        byte[] scratch = _pool.Rent(checked((int)max));
        try
        {
            int length = RunRecord.Write(row, scratch);
            if (_count > 0 && BytesUsed + length + Unsafe.SizeOf<Entry>() > _budget)
            {
                return false;
            }

            byte[] record = scratch.AsSpan(0, length).ToArray();
            _large.Add(record);
            _largeBytes += length;
            Append(new Entry(RunRecord.Ticks(record), ~(_large.Count - 1), 0, length));
            return true;
        }
        finally
        {
            _pool.Return(scratch);
        }
    }

    private void Append(in Entry entry)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_count++] = entry;
    }

    /// <summary>Where a record is: its key's first part, and a segment (or, complemented, a large record) and place.</summary>
    private readonly record struct Entry(long Ticks, int Segment, int Offset, int Length);

    /// <summary>created_at then id, as <see cref="TransactionOrder"/>, read from the records themselves.</summary>
    private readonly struct EntryOrder(RunMemory memory, int sign) : IComparer<Entry>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Compare(Entry x, Entry y)
        {
            int c = x.Ticks.CompareTo(y.Ticks);
            if (c == 0)
            {
                c = RunRecord.Id(Span(x)).SequenceCompareTo(RunRecord.Id(Span(y)));
            }

            return c * sign;
        }

        private ReadOnlySpan<byte> Span(in Entry entry) => entry.Segment >= 0
            ? memory._segments[entry.Segment].AsSpan(entry.Offset, entry.Length)
            : memory._large[~entry.Segment];
    }
}
