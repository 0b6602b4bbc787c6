using System.Buffers;

namespace VoucherExport.Transactions;

/// <summary>
/// A run of consecutive JSON Lines ledger lines copied out of the line buffer, parsed together by one thread-pool thread
/// of a <see cref="JsonLinesParallelReader"/>: the lines back to back in one pooled buffer, each line's physical number,
/// and after parsing the row (or the problem) of each line, which the reader hands on in line order.
/// </summary>
internal sealed class LineBlock
{
    private readonly ArrayPool<byte> _pool;
    private readonly string _source;
    private readonly int _maxLineBytes;
    private byte[] _data;
    private int[] _ends;
    private long[] _lines;
    private long[] _lineEnds;
    private VoucherTransaction?[] _rows;
    private int _used;

    /// <summary>
    /// A block of at least <paramref name="bytes"/> bytes and at most <paramref name="maxLines"/> lines of the ledger
    /// <paramref name="source"/> (as errors name it), whose lines may be <paramref name="maxLineBytes"/> long.
    /// </summary>
    public LineBlock(int bytes, int maxLines, ArrayPool<byte> pool, string source, int maxLineBytes)
    {
        _pool = pool;
        _source = source;
        _maxLineBytes = maxLineBytes;
        _data = pool.Rent(bytes);
        _ends = ArrayPool<int>.Shared.Rent(maxLines);
        _lines = ArrayPool<long>.Shared.Rent(maxLines);
        _lineEnds = ArrayPool<long>.Shared.Rent(maxLines);
        _rows = ArrayPool<VoucherTransaction?>.Shared.Rent(maxLines);
        MaxLines = maxLines;
    }

    /// <summary>The most lines the block takes.</summary>
    public int MaxLines { get; }

    /// <summary>Lines held, too-long ones (kept as a number only) included.</summary>
    public int Count { get; private set; }

    /// <summary>The parse of this block, started when the block is handed on; it never faults (problems are kept per line).</summary>
    public Task Parsing { get; set; } = Task.CompletedTask;

    /// <summary>The problems of the lines that gave no row, in line order; null when there were none.</summary>
    public List<LedgerFormatException>? Problems { get; private set; }

    /// <summary>The index of the line whose problem fails the read (when malformed rows are not skipped), or -1.</summary>
    public int FailedAt { get; private set; } = -1;

    /// <summary>
    /// Copies <paramref name="line"/> (physical number <paramref name="number"/>, ending with its LF at stream offset
    /// <paramref name="end"/>) in; false when it does not fit.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> line, long number, long end)
    {
        if (Count == MaxLines || line.Length > _data.Length - _used)
        {
            return false;
        }

        line.CopyTo(_data.AsSpan(_used));
        _used += line.Length;
        _ends[Count] = _used;
        _lineEnds[Count] = end;
        _lines[Count++] = number;
        return true;
    }

    /// <summary>Records a line over the limit that is skipped (nothing of it is kept); false when the block is full.</summary>
    public bool TryAddTooLong(long number)
    {
        if (Count == MaxLines)
        {
            return false;
        }

        _ends[Count] = _used;
        _lines[Count++] = -number;
        return true;
    }

    /// <summary>
    /// Parses every line. A malformed line gets its problem in <see cref="Problems"/>; unless <paramref name="skip"/>,
    /// the first one also stops the parse and sets <see cref="FailedAt"/>. Any other exception is kept as that line's
    /// problem too, so the reader raises it in order. Repeating texts come from <paramref name="strings"/>.
    /// </summary>
    public void Parse(bool skip, SharedStrings strings)
    {
        for (int i = 0; i < Count; i++)
        {
            LedgerFormatException? problem = null;
            if (_lines[i] < 0)
            {
                problem = TooLong(i);
            }
            else
            {
                try
                {
                    VoucherTransaction row = TransactionJson.Parse(Line(i), strings);
                    row.SourceEnd = _lineEnds[i];
                    _rows[i] = row;
                }
                catch (FormatException ex)
                {
                    problem = Malformed(i, ex);
                }
            }

            if (problem is not null)
            {
                (Problems ??= []).Add(problem);
                if (!skip)
                {
                    FailedAt = i;
                    return;
                }
            }
        }
    }

    /// <summary>The bytes of line <paramref name="index"/> (empty for a line over the limit, see <see cref="IsTooLong"/>).</summary>
    public ReadOnlySpan<byte> Line(int index)
    {
        int start = index == 0 ? 0 : _ends[index - 1];
        return _data.AsSpan(start, _ends[index] - start);
    }

    /// <summary>Whether line <paramref name="index"/> was over the limit and kept as a number only.</summary>
    public bool IsTooLong(int index) => _lines[index] < 0;

    /// <summary>The stream offset just past line <paramref name="index"/>'s LF.</summary>
    public long LineEnd(int index) => _lineEnds[index];

    /// <summary>The problem of line <paramref name="index"/>, which is over the limit.</summary>
    public LedgerFormatException TooLong(int index) => LineBuffer.TooLong(_source, -_lines[index], _maxLineBytes);

    /// <summary>The problem of line <paramref name="index"/>, which the parser rejected with <paramref name="error"/>.</summary>
    public LedgerFormatException Malformed(int index, FormatException error) => new(_source, _lines[index], error.Message, error);

    /// <summary>The row of line <paramref name="index"/>, or null when the line gave a problem instead.</summary>
    public VoucherTransaction? Row(int index) => _rows[index];

    /// <summary>Returns the buffers to their pools; the block is not used again.</summary>
    public void Release()
    {
        if (_data.Length == 0)
        {
            return;
        }

        _pool.Return(_data);
        ArrayPool<int>.Shared.Return(_ends);
        ArrayPool<long>.Shared.Return(_lines);
        ArrayPool<long>.Shared.Return(_lineEnds);
        ArrayPool<VoucherTransaction?>.Shared.Return(_rows, clearArray: true);
        _data = [];
        _ends = [];
        _lines = [];
        _lineEnds = [];
        _rows = [];
        Count = 0;
    }
}
