using System.Buffers;

namespace VoucherExport.Transactions;

/// <summary>
/// Splits a byte stream into lines in one pooled buffer, for the JSON Lines readers. The caller does the reading,
/// so one splitter serves sync and async code; the buffer grows only up to the longest allowed line. A longer line is an
/// error, or (when <c>skipLongLines</c>) is read past without being held and reported through <see cref="LastLineTooLong"/>.
/// </summary>
internal sealed class LineBuffer : IDisposable
{
    private readonly string _source;
    private readonly int _maxLineBytes;
    private readonly bool _skipLongLines;
    private readonly ArrayPool<byte> _pool;
    private byte[] _buffer;
    private bool _discarding;
    private readonly bool _atStreamStart;
    private int _start;
    private int _end;

    // The stream offset of _buffer[_start]: where the next line starts.
    private long _offset;

    /// <summary>
    /// Creates a splitter for <paramref name="source"/> (named in errors) whose first byte is at <paramref name="startOffset"/>
    /// of the stream (0: its start, where a UTF-8 byte order mark is skipped; else a line start the read seeked to).
    /// </summary>
    public LineBuffer(
        string source, int initialBytes, int maxLineBytes, bool skipLongLines = false, ArrayPool<byte>? pool = null, long startOffset = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startOffset);
        _offset = startOffset;
        _atStreamStart = startOffset == 0;
        ArgumentOutOfRangeException.ThrowIfLessThan(initialBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLineBytes, Array.MaxLength - 2);
        _source = source;
        _maxLineBytes = maxLineBytes;
        _skipLongLines = skipLongLines;
        _pool = pool ?? ArrayPool<byte>.Shared;
        _buffer = _pool.Rent(initialBytes);
    }

    /// <summary>
    /// The stream offset just past the line last returned by <see cref="TryReadLine"/> and its LF: where the next line
    /// starts.
    /// </summary>
    public long LineEnd => _offset;

    /// <summary>
    /// The 1-based physical number of the line last returned by <see cref="TryReadLine"/>, counted from the line the
    /// splitter started at.
    /// </summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether the input has ended (a read returned no bytes).</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>
    /// Whether the line last returned was over the limit and skipped (only when skipping long lines): the returned span is
    /// then empty and <see cref="LineNumber"/> names the long line.
    /// </summary>
    public bool LastLineTooLong { get; private set; }

    /// <summary>Whether a line holds nothing but spaces, tabs or CRs; such lines are skipped.</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => !line.ContainsAnyExcept((byte)' ', (byte)'\t', (byte)'\r');

    /// <summary>
    /// Takes the next complete line without its LF or CRLF, or the last unterminated line once the input has ended.
    /// The span is valid until the next call to <see cref="GetMemory"/>.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        LastLineTooLong = false;
        ReadOnlySpan<byte> pending = _buffer.AsSpan(_start, _end - _start);
        if (_discarding)
        {
            return TrySkipRestOfLongLine(pending, out line);
        }

        int newline = pending.IndexOf((byte)'\n');
        if (newline >= 0)
        {
            line = pending[..newline];
            Consume(newline + 1);
        }
        else if (IsCompleted && !pending.IsEmpty)
        {
            line = pending;
            Consume(pending.Length);
        }
        else
        {
            line = default;
            return false;
        }

        LineNumber++;
        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        if (LineNumber == 1 && _atStreamStart && line.StartsWith("\uFEFF"u8))
        {
            line = line[3..];
        }

        if (line.Length > _maxLineBytes)
        {
            if (!_skipLongLines)
            {
                throw TooLong(LineNumber);
            }

            line = default;
            LastLineTooLong = true;
        }

        return true;
    }

    /// <summary>The error for a line over the limit, as thrown when long lines are not skipped.</summary>
    public LedgerFormatException TooLong(long line) => TooLong(_source, line, _maxLineBytes);

    /// <summary>The error for line <paramref name="line"/> of <paramref name="source"/> over <paramref name="maxLineBytes"/>.</summary>
    public static LedgerFormatException TooLong(string source, long line, int maxLineBytes)
        => new(source, line, $"the line is longer than {maxLineBytes} bytes (the line limit); nothing past the limit was read into memory");

    private bool TrySkipRestOfLongLine(ReadOnlySpan<byte> pending, out ReadOnlySpan<byte> line)
    {
        line = default;
        int newline = pending.IndexOf((byte)'\n');
        if (newline >= 0)
        {
            Consume(newline + 1);
        }
        else if (IsCompleted)
        {
            Consume(pending.Length);
        }
        else
        {
            // Still inside the long line: drop what was read, keep nothing.
            Consume(pending.Length);
            return false;
        }

        _discarding = false;
        LineNumber++;
        LastLineTooLong = true;
        return true;
    }

    private void Consume(int bytes)
    {
        _start += bytes;
        _offset += bytes;
    }

    /// <summary>Space to read more input into; call <see cref="Advance"/> with the count read.</summary>
    public Memory<byte> GetMemory()
    {
        int pending = _end - _start;
        if (pending == 0)
        {
            _start = _end = 0;
        }
        else if (_start > 0 && _buffer.Length - _end < _buffer.Length / 2)
        {
            // Only the unfinished line is moved, which is short next to the buffer in the common case.
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _start = 0;
            _end = pending;
        }

        if (_end == _buffer.Length)
        {
            // The buffer holds one unterminated line. Room for the line, a CR and the LF is all it may need.
            if (_buffer.Length >= _maxLineBytes + 2)
            {
                if (!_skipLongLines)
                {
                    throw TooLong(LineNumber + 1);
                }

                // The line is over the limit: forget it and read on to its end in the same buffer.
                _discarding = true;
                _offset += pending;
                _start = _end = 0;
                return _buffer;
            }

            byte[] larger = _pool.Rent((int)Math.Min(_buffer.Length * 2L, _maxLineBytes + 2L));
            _buffer.AsSpan(_start, pending).CopyTo(larger);
            _pool.Return(_buffer);
            _buffer = larger;
            _start = 0;
            _end = pending;
        }

        return _buffer.AsMemory(_end);
    }

    /// <summary>Records <paramref name="count"/> bytes read into <see cref="GetMemory"/>; zero means the input ended.</summary>
    public void Advance(int count)
    {
        if (count == 0)
        {
            IsCompleted = true;
        }

        _end += count;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _start = _end = 0;
        if (buffer.Length > 0)
        {
            _pool.Return(buffer);
        }
    }
}
