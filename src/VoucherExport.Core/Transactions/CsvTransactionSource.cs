using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Sylvan.Data.Csv;
using VoucherExport.Parameters;

namespace VoucherExport.Transactions;

/// <summary>
/// A CSV ledger read with Sylvan.Data.Csv, e.g. an earlier export read back. The header may hold labels or field names;
/// <c>id</c>, <c>type</c> and <c>created_at</c> are required, the other columns optional.
/// </summary>
/// <remarks>
/// Header names match labels (<c>Creation Date</c>) or field names (<c>created_at</c>), ignoring case; unknown columns
/// are ignored. An empty cell is null. Cells that an export's formula guard prefixed with <c>'</c> are read as they
/// stand: the guard cannot be told apart from a value that really starts with <c>'</c>, so nothing is unescaped.
/// Errors name the physical line a record starts on (for invalid UTF-8, the line that holds it) and the column. Under
/// <see cref="MalformedRowPolicy.Skip"/> a record with a bad cell, the wrong number of fields or invalid UTF-8 is skipped and
/// counted in <see cref="TransactionQuery.SkippedRows"/>; a bad header, an unterminated quote or a record over
/// <see cref="CsvSourceOptions.MaxRecordChars"/> still fails, since the reader cannot find where the next record starts.
/// Read with <see cref="TransactionQuery.Parallelism"/> above 1, the reading and decoding run on a thread of their own,
/// a few batches ahead of the caller, with the same batches and errors.
/// </remarks>
public sealed class CsvTransactionSource : ITransactionSource
{
    // The delimiter is detected from the header, which this many bytes are expected to hold.
    private const int HeaderScanBytes = 64 * 1024;

    // Batches read ahead of the writer with more than one thread: enough to ride out an uneven record, few enough to stay in cache.
    private const int ReadAheadBatches = 4;

    private static readonly char[] s_delimiters = [',', ';', '\t', '|'];

    private static readonly TransactionField[] s_required =
        [TransactionField.Id, TransactionField.Type, TransactionField.CreatedAt];

    private readonly Func<CancellationToken, ValueTask<Stream>> _open;
    private readonly string _path;
    private readonly CsvSourceOptions _options;

    /// <summary>Reads the CSV file at <paramref name="path"/> (delimiter detected from , ; tab |).</summary>
    public CsvTransactionSource(string path, int batchSize = 1024)
        : this(path, CsvSourceOptions.Default with { BatchSize = batchSize })
    {
    }

    /// <summary>Reads the CSV file at <paramref name="path"/> with <paramref name="options"/>.</summary>
    public CsvTransactionSource(string path, CsvSourceOptions options)
        : this(OpenFile(path), path, options)
    {
    }

    /// <summary>
    /// Reads the stream <paramref name="open"/> gives (called twice a read when the stream cannot seek: once for the header's
    /// delimiter, once for the rows); <paramref name="name"/> names it in errors.
    /// </summary>
    public CsvTransactionSource(Func<CancellationToken, ValueTask<Stream>> open, string name, CsvSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(name);
        _options = (options ?? CsvSourceOptions.Default).Validate();
        _open = open;
        _path = name;
    }

    /// <inheritdoc />
    public SourcePushdown Plan(TransactionQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return SourcePushdown.None;
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);

        // With more than one thread the CSV reader and the record decoding run on a thread of their own, ahead of the writer.
        return query.Parallelism > 1
            ? BatchReadAhead.ReadAsync(ReadBatchesAsync(query.SkippedRows, query.ReadProgress, CancellationToken.None), ReadAheadBatches, cancellationToken)
            : ReadBatchesAsync(query.SkippedRows, query.ReadProgress, cancellationToken);
    }

    private async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadBatchesAsync(
        SkippedRowCounter skipped, SourceReadProgress read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Stream stream = await _open(cancellationToken).ConfigureAwait(false);
        char delimiter;
        int headerLines;
        await using (stream.ConfigureAwait(false))
        {
            (delimiter, headerLines) = await ScanHeaderAsync(stream, cancellationToken).ConfigureAwait(false);
            if (stream.CanSeek)
            {
                stream.Position = 0;
            }
            else
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                stream = await _open(cancellationToken).ConfigureAwait(false);
            }

            JsonLinesTransactionSource.StartProgress(stream, read);
            var checkedStream = new Utf8LineCheck(stream, read);
            // Invalid bytes decode to U+FFFD; the check names their line, so the decoder itself never throws. The encoding's
            // preamble is the UTF-8 BOM, which the reader then skips; other BOMs are not UTF-8 and fail on line 1.
            var text = new StreamReader(
                checkedStream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: false),
                detectEncodingFromByteOrderMarks: false, bufferSize: HeaderScanBytes, leaveOpen: true);
            var options = new CsvDataReaderOptions
            {
                Delimiter = delimiter,
                HasHeaders = true,
                MaxBufferSize = _options.MaxRecordChars,
                OwnsReader = true,
                // Sylvan reads a line starting with '#' as a comment by default; CSV (RFC 4180) has none, and a record whose
                // id starts with '#' would be dropped without a word. A lone surrogate never comes out of UTF-8 decoding,
                // so no record can start with this one.
                Comment = '\uDFFF',
            };

            CsvDataReader csv;
            try
            {
                csv = await CsvDataReader.CreateAsync(text, options, cancellationToken).ConfigureAwait(false);
            }
            catch (CsvFormatException ex)
            {
                text.Dispose();
                throw ReadFailure(checkedStream, 1, ex);
            }

            await using (csv.ConfigureAwait(false))
            {
                long badHeaderLine = checkedStream.TakeBadLinesThrough(headerLines);
                if (badHeaderLine > 0)
                {
                    throw new LedgerFormatException(_path, badHeaderLine, "invalid UTF-8 in the header");
                }

                int[] ordinals = MapColumns(csv);
                var strings = SharedStrings.ForOneRead();
                bool skip = _options.MalformedRows == MalformedRowPolicy.Skip;
                var batch = new VoucherTransaction[_options.BatchSize];
                int count = 0;
                long line = headerLines + 1;
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await csv.ReadAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (CsvFormatException ex)
                    {
                        throw ReadFailure(checkedStream, line, ex);
                    }

                    if (!more)
                    {
                        break;
                    }

                    long recordLine = line;
                    ReadOnlySpan<char> raw = csv.GetRawRecordSpan();
                    int newlines = raw.Count('\n');
                    line += newlines;
                    long badLine = checkedStream.TakeBadLinesThrough(raw.EndsWith('\n') ? line - 1 : line);
                    LedgerFormatException? problem = badLine > 0
                        ? new LedgerFormatException(_path, badLine, "invalid UTF-8")
                        : null;
                    if (problem is null && csv.RowFieldCount == 1 && csv.FieldCount > 1 && csv.GetFieldSpan(0).IsEmpty)
                    {
                        continue;
                    }

                    if (problem is null)
                    {
                        try
                        {
                            batch[count] = ReadRecord(csv, ordinals, recordLine, strings);
                        }
                        catch (LedgerFormatException ex)
                        {
                            problem = ex;
                        }
                    }

                    if (problem is not null)
                    {
                        if (!skip)
                        {
                            throw problem;
                        }

                        skipped.Add(problem);
                        continue;
                    }

                    if (++count == batch.Length)
                    {
                        yield return batch;
                        count = 0;
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }

                if (count > 0)
                {
                    yield return batch.AsMemory(0, count);
                }
            }
        }
    }

    private LedgerFormatException ReadFailure(Utf8LineCheck checkedStream, long line, CsvFormatException ex)
    {
        // Bytes that are not UTF-8 can break the CSV structure too; the earlier of the two is the cause to report.
        long bad = checkedStream.FirstPendingBadLine;
        if (bad > 0 && bad <= line)
        {
            return new LedgerFormatException(_path, bad, "invalid UTF-8", ex);
        }

        return ex is CsvRecordTooLargeException
            ? new LedgerFormatException(
                _path, line,
                $"the record is longer than {_options.MaxRecordChars} characters (the record limit, CsvSourceOptions.MaxRecordChars); an unterminated quote is the usual cause",
                ex)
            : new LedgerFormatException(_path, line, ex.Message, ex);
    }

    private static Func<CancellationToken, ValueTask<Stream>> OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return _ => ValueTask.FromResult<Stream>(new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0,
            FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    /// <summary>Picks the delimiter that occurs most often outside quotes in the header record, and counts its lines.</summary>
    private static async ValueTask<(char Delimiter, int Lines)> ScanHeaderAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[HeaderScanBytes];
        int length = 0;
        int read;
        do
        {
            read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            length += read;
        }
        while (read > 0 && length < buffer.Length && !HasRecordEnd(buffer.AsSpan(0, length)));

        return CountHeader(buffer.AsSpan(0, length));
    }

    private static bool HasRecordEnd(ReadOnlySpan<byte> data)
    {
        bool quoted = false;
        foreach (byte b in data)
        {
            if (b == '"')
            {
                quoted = !quoted;
            }
            else if (b == '\n' && !quoted)
            {
                return true;
            }
        }

        return false;
    }

    private static (char Delimiter, int Lines) CountHeader(ReadOnlySpan<byte> data)
    {
        Span<int> counts = stackalloc int[s_delimiters.Length];
        bool quoted = false;
        int lines = 1;
        foreach (byte b in data)
        {
            if (b == '"')
            {
                // A doubled quote flips twice, so the state stays right without lookahead.
                quoted = !quoted;
            }
            else if (b == '\n')
            {
                if (!quoted)
                {
                    break;
                }

                lines++;
            }
            else if (!quoted)
            {
                int k = Array.IndexOf(s_delimiters, (char)b);
                if (k >= 0)
                {
                    counts[k]++;
                }
            }
        }

        int best = 0;
        for (int k = 1; k < counts.Length; k++)
        {
            if (counts[k] > counts[best])
            {
                best = k;
            }
        }

        return (s_delimiters[best], lines);
    }

    private int[] MapColumns(CsvDataReader csv)
    {
        if (csv.FieldCount == 0)
        {
            throw new LedgerFormatException(_path, 1, "the file is empty: expected a header record");
        }

        int[] ordinals = new int[TransactionFields.All.Length];
        ordinals.AsSpan().Fill(-1);
        for (int i = 0; i < csv.FieldCount; i++)
        {
            string name = csv.GetName(i).Trim();
            foreach (TransactionField field in TransactionFields.All)
            {
                if (!name.Equals(TransactionFields.Name(field), StringComparison.OrdinalIgnoreCase)
                    && !name.Equals(TransactionFields.Label(field), StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (ordinals[(int)field] >= 0)
                {
                    throw new LedgerFormatException(
                        _path, 1, $"the column {TransactionFields.Name(field)} appears twice ('{csv.GetName(ordinals[(int)field])}' and '{csv.GetName(i)}')");
                }

                ordinals[(int)field] = i;
            }
        }

        foreach (TransactionField field in s_required)
        {
            if (ordinals[(int)field] < 0)
            {
                throw new LedgerFormatException(
                    _path, 1,
                    $"the required column {TransactionFields.Name(field)} ('{TransactionFields.Label(field)}') is missing");
            }
        }

        return ordinals;
    }

    private VoucherTransaction ReadRecord(CsvDataReader csv, int[] ordinals, long line, SharedStrings strings)
    {
        if (csv.RowFieldCount != csv.FieldCount)
        {
            throw new LedgerFormatException(
                _path, line, $"the record has {csv.RowFieldCount} fields, the header has {csv.FieldCount}");
        }

        return new VoucherTransaction
        {
            Id = Required(csv, ordinals, TransactionField.Id, line),
            Type = Shared(csv, ordinals[(int)TransactionField.Type], strings, SharedField.Type)
                ?? throw CellError(csv, ordinals[(int)TransactionField.Type], line, "must not be empty"),
            SourceId = Text(csv, ordinals[(int)TransactionField.SourceId]),
            VoucherId = Shared(csv, ordinals[(int)TransactionField.VoucherId], strings, SharedField.VoucherId),
            CampaignId = Shared(csv, ordinals[(int)TransactionField.CampaignId], strings, SharedField.CampaignId),
            Source = Shared(csv, ordinals[(int)TransactionField.Source], strings, SharedField.Source),
            Reason = Shared(csv, ordinals[(int)TransactionField.Reason], strings, SharedField.Reason),
            RelatedTransactionId = Text(csv, ordinals[(int)TransactionField.RelatedTransactionId]),
            CreatedAt = CreatedAt(csv, ordinals[(int)TransactionField.CreatedAt], line),
            Amount = Integer(csv, ordinals[(int)TransactionField.Amount], line),
            Balance = Integer(csv, ordinals[(int)TransactionField.Balance], line),
            Details = Details(csv, ordinals[(int)TransactionField.Details], line),
        };
    }

    private static string? Text(CsvDataReader csv, int ordinal)
        => ordinal < 0 || csv.GetFieldSpan(ordinal).IsEmpty ? null : csv.GetString(ordinal);

    /// <summary>A cell that repeats across a ledger: taken from <paramref name="strings"/> when short, null when empty.</summary>
    private static string? Shared(CsvDataReader csv, int ordinal, SharedStrings strings, SharedField field)
    {
        if (ordinal < 0)
        {
            return null;
        }

        ReadOnlySpan<char> cell = csv.GetFieldSpan(ordinal);
        return cell.IsEmpty ? null : cell.Length <= SharedStrings.MaxBytes ? strings.Get(cell, field) : csv.GetString(ordinal);
    }

    private string Required(CsvDataReader csv, int[] ordinals, TransactionField field, long line)
        => Text(csv, ordinals[(int)field]) ?? throw CellError(csv, ordinals[(int)field], line, "must not be empty");

    private DateTimeOffset CreatedAt(CsvDataReader csv, int ordinal, long line)
        => Iso8601.TryParse(csv.GetFieldSpan(ordinal), out DateTimeOffset value)
            ? value
            : throw CellError(csv, ordinal, line, "expected an ISO 8601 timestamp");

    private long? Integer(CsvDataReader csv, int ordinal, long line)
    {
        if (ordinal < 0)
        {
            return null;
        }

        ReadOnlySpan<char> cell = csv.GetFieldSpan(ordinal);
        if (cell.IsEmpty)
        {
            return null;
        }

        return long.TryParse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw CellError(csv, ordinal, line, "expected an integer");
    }

    private ReadOnlyMemory<byte> Details(CsvDataReader csv, int ordinal, long line)
    {
        if (ordinal < 0)
        {
            return default;
        }

        ReadOnlySpan<char> cell = csv.GetFieldSpan(ordinal);
        if (cell.IsEmpty)
        {
            return default;
        }

        try
        {
            byte[] utf8 = new byte[Encoding.UTF8.GetByteCount(cell)];
            Encoding.UTF8.GetBytes(cell, utf8);
            CompactJson.ValidateObject(utf8);
            return CompactJson.Compact(utf8);
        }
        catch (FormatException ex)
        {
            throw CellError(csv, ordinal, line, ex.Message);
        }
    }

    private LedgerFormatException CellError(CsvDataReader csv, int ordinal, long line, string problem)
    {
        // A short excerpt helps find the cell without copying a whole details blob into the message.
        ReadOnlySpan<char> cell = csv.GetFieldSpan(ordinal);
        string excerpt = cell.Length <= 40 ? cell.ToString() : string.Concat(cell[..40], "…");
        return new LedgerFormatException(_path, line, $"column '{csv.GetName(ordinal)}': {problem} (found '{excerpt}')");
    }
}
