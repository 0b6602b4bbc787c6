using System.Buffers;

namespace VoucherExport.Transactions;

/// <summary>
/// Where a resumed read of a JSON Lines ledger starts: at the byte offset the last committed chunk recorded
/// (<see cref="TransactionQuery.AfterOffset"/>) instead of the file's first byte, so a resumed export neither reads nor
/// parses again what earlier attempts committed.
/// </summary>
/// <remarks>
/// The offset is trusted only after a check: the stream must seek, and the line that ends at the offset must be the row
/// <see cref="TransactionQuery.After"/> names (same <c>id</c>, same <c>created_at</c>). Everything before that line was
/// read, verified in order and committed by earlier attempts. When the check fails (the file was replaced, or the stream
/// cannot seek) the read starts at the first byte, as it always did, and the engine drops the rows already committed.
/// Only a read that fails on a malformed row seeks: a read that skips them counts every skipped row of the file.
/// Line numbers stay physical: an error after a seek counts the lines before the offset, once, when it is raised.
/// </remarks>
internal sealed class JsonLinesResumeSeek
{
    // The tail of the file read at a time while looking for the start of the line before the offset.
    private const int TailBytes = 64 * 1024;

    private readonly Func<CancellationToken, ValueTask<Stream>> _open;
    private readonly TransactionKey _after;
    private readonly long _offset;
    private readonly int _maxLineBytes;

    private JsonLinesResumeSeek(Func<CancellationToken, ValueTask<Stream>> open, TransactionKey after, long offset, int maxLineBytes)
    {
        _open = open;
        _after = after;
        _offset = offset;
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>
    /// Where the last open started reading, relative to where the stream stood when opened: the recorded offset once it
    /// was checked, else 0.
    /// </summary>
    public long Origin { get; private set; }

    /// <summary>
    /// The seek for <paramref name="query"/> on a ledger read with <paramref name="options"/>, or null when the read starts
    /// at the first byte: nothing is committed yet, no offset was recorded, the ledger is not read in its declared order,
    /// or malformed rows are skipped (and so counted over the whole file).
    /// </summary>
    public static JsonLinesResumeSeek? For(
        TransactionQuery query, JsonLinesSourceOptions options, Func<CancellationToken, ValueTask<Stream>> open, int maxLineBytes)
    {
        return query is { After: { } after, AfterOffset: > 0 and long offset }
            && options.DeclaredOrder == query.Order
            && options.MalformedRows == MalformedRowPolicy.Fail
            ? new JsonLinesResumeSeek(open, after, offset, maxLineBytes)
            : null;
    }

    /// <summary>Opens the ledger with <paramref name="open"/> (the seek's own opener when there is one), positioned where the read starts.</summary>
    public static async ValueTask<(Stream Stream, long Origin)> OpenAsync(
        Func<CancellationToken, ValueTask<Stream>> open, JsonLinesResumeSeek? seek, CancellationToken cancellationToken)
    {
        if (seek is null)
        {
            return (await open(cancellationToken).ConfigureAwait(false), 0);
        }

        Stream stream = await seek._open(cancellationToken).ConfigureAwait(false);
        try
        {
            seek.Origin = await seek.TrySeekAsync(stream, cancellationToken).ConfigureAwait(false);
            return (stream, seek.Origin);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// <paramref name="error"/> with its line number made physical: a read that seeked numbers its lines from the offset,
    /// so the lines before it are counted (reading that part of the file once) and added.
    /// </summary>
    public async ValueTask<LedgerFormatException> PhysicalAsync(LedgerFormatException error, CancellationToken cancellationToken)
    {
        if (Origin == 0)
        {
            return error;
        }

        long lines = 0;
        Stream stream = await _open(cancellationToken).ConfigureAwait(false);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                long left = Origin;
                while (left > 0)
                {
                    int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    lines += buffer.AsSpan(0, read).Count((byte)'\n');
                    left -= read;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new LedgerFormatException(error.Source, error.Line + lines, error.Problem, error.InnerException);
    }

    /// <summary>Positions <paramref name="stream"/> at the recorded offset when the check passes; returns where the read starts.</summary>
    private async ValueTask<long> TrySeekAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (!stream.CanSeek)
        {
            return 0;
        }

        long start = stream.Position;
        if (_offset > stream.Length - start)
        {
            return 0;
        }

        // The line before the offset: back from the offset to the LF before it, or to the first byte.
        int window = (int)Math.Min(_offset, TailBytes);
        while (true)
        {
            byte[] tail = ArrayPool<byte>.Shared.Rent(window);
            try
            {
                stream.Position = start + _offset - window;
                await stream.ReadExactlyAsync(tail.AsMemory(0, window), cancellationToken).ConfigureAwait(false);
                ReadOnlySpan<byte> bytes = tail.AsSpan(0, window);
                if (bytes[^1] == (byte)'\n')
                {
                    bytes = bytes[..^1];
                }

                int lf = bytes.LastIndexOf((byte)'\n');
                if (lf >= 0 || window == _offset)
                {
                    bool fromFirstByte = lf < 0;
                    ReadOnlySpan<byte> line = bytes[(lf + 1)..];
                    if (!IsAfterRow(line, fromFirstByte))
                    {
                        stream.Position = start;
                        return 0;
                    }

                    stream.Position = start + _offset;
                    return _offset;
                }

                if (window >= (long)_maxLineBytes + 2)
                {
                    // Longer than any line the read accepts: not the row committed last.
                    stream.Position = start;
                    return 0;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(tail);
            }

            window = (int)Math.Min(Math.Min(_offset, window * 2L), _maxLineBytes + 2L);
        }
    }

    /// <summary>Whether <paramref name="line"/> (without its LF) is the row the resume goes on after.</summary>
    private bool IsAfterRow(ReadOnlySpan<byte> line, bool fromFirstByte)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (fromFirstByte && line.StartsWith("\uFEFF"u8))
        {
            line = line[3..];
        }

        try
        {
            VoucherTransaction row = TransactionJson.Parse(line);
            return row.Id == _after.Id && row.CreatedAt.UtcTicks == _after.CreatedAt.UtcTicks;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
