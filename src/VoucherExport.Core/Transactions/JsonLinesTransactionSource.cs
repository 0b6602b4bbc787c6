using System.Buffers;
using System.Runtime.CompilerServices;

namespace VoucherExport.Transactions;

/// <summary>A JSON Lines ledger: one Voucherify transaction object a line, read with the UTF-8 JSON reader.</summary>
/// <remarks>
/// Lines end with LF or CRLF; blank lines are skipped; line numbers in errors are physical lines. Read with
/// <see cref="TransactionQuery.Parallelism"/> above 1, lines are parsed in blocks on the thread pool while the caller
/// writes, with the same rows, batches and errors as on one thread.
/// Only one batch and one read buffer are held, whatever the size of the file; the buffer never grows past
/// <see cref="JsonLinesSourceOptions.MaxLineBytes"/>. A malformed line fails the read, naming the line, or is skipped and
/// counted in <see cref="TransactionQuery.SkippedRows"/> under <see cref="MalformedRowPolicy.Skip"/>.
/// </remarks>
public sealed class JsonLinesTransactionSource : ITransactionSource
{
    // 64 KiB reads keep the syscall count low and the buffer out of the large object heap.
    private const int DefaultReadBufferBytes = 64 * 1024;

    private readonly Func<CancellationToken, ValueTask<Stream>> _open;
    private readonly string _name;
    private readonly JsonLinesSourceOptions _options;

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    public JsonLinesTransactionSource(string path, JsonLinesSourceOptions? options = null)
        : this(OpenFile(path), path, options)
    {
    }

    /// <summary>Reads the stream <paramref name="open"/> gives for each read; <paramref name="name"/> names it in errors.</summary>
    public JsonLinesTransactionSource(Func<CancellationToken, ValueTask<Stream>> open, string name, JsonLinesSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(name);
        _options = (options ?? JsonLinesSourceOptions.Default).Validate();
        MaxLineBytes = _options.MaxLineBytes;
        _open = open;
        _name = name;
    }

    /// <summary>The initial read buffer size; tests shrink it so that lines span reads.</summary>
    internal int ReadBufferBytes { get; init; } = DefaultReadBufferBytes;

    /// <summary>The longest line accepted (from the options); tests shrink it to reach the too-long error cheaply.</summary>
    internal int MaxLineBytes { get; init; }

    /// <summary>The bytes of lines parsed together when reading on several threads; tests shrink it so that reads make many blocks.</summary>
    internal int BlockBytes { get; init; } = JsonLinesParallelReader.DefaultBlockBytes;

    /// <summary>The most lines parsed together when reading on several threads.</summary>
    internal int BlockLines { get; init; } = JsonLinesParallelReader.DefaultBlockLines;

    /// <inheritdoc />
    public SourcePushdown Plan(TransactionQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new SourcePushdown(FiltersApplied: false, OrderApplied: _options.DeclaredOrder == query.Order);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);

        // A resumed export in the declared order starts after the rows its committed chunks hold (docs/resume.md).
        JsonLinesResumeSeek? seek = JsonLinesResumeSeek.For(query, _options, _open, MaxLineBytes);
        IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> rows = query.Parallelism > 1
            // Parsing is most of the cost of a JSON Lines export: it gets the threads, the caller only takes rows in order.
            ? new JsonLinesParallelReader(
                _open, seek, _name, _options, ReadBufferBytes, MaxLineBytes, BlockBytes, BlockLines, query.Parallelism)
                .ReadAsync(query.SkippedRows, query.ReadProgress, cancellationToken)
            : ReadBatchesAsync(seek, query.SkippedRows, query.ReadProgress, cancellationToken);
        return seek is null ? rows : WithPhysicalLinesAsync(rows, seek, cancellationToken);
    }

    /// <summary>
    /// Whether an export that takes every row in the declared order, on several threads, has the writer scan and format
    /// the lines itself (<see cref="ReadLineBlocks"/>); tests turn it off to compare with the rows path.
    /// </summary>
    internal bool FormatLinesInWriter { get; init; } = true;

    /// <summary>
    /// The ledger's lines in blocks, for a parallel writer that scans and formats them straight into records (no row
    /// objects), or null when this read must give rows: one thread, malformed rows skipped (their count and order are
    /// the rows path's), a resumed read (it seeks), or blocks of more lines than a writer batch holds.
    /// </summary>
    internal IAsyncEnumerable<LineBlock>? ReadLineBlocks(TransactionQuery query, int batchRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!FormatLinesInWriter || query.Parallelism <= 1 || _options.MalformedRows != MalformedRowPolicy.Fail
            || query.After is not null || query.AfterOffset is not null || BlockLines > batchRows)
        {
            return null;
        }

        return new JsonLinesParallelReader(_open, seek: null, _name, _options, ReadBufferBytes, MaxLineBytes, BlockBytes, BlockLines, query.Parallelism)
            .ReadBlocksAsync(query.ReadProgress, cancellationToken);
    }

    /// <summary>The rows of a read that may have seeked, its errors naming physical lines.</summary>
    private static async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> WithPhysicalLinesAsync(
        IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> rows, JsonLinesResumeSeek seek,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IAsyncEnumerator<ReadOnlyMemory<VoucherTransaction>> batches = rows.GetAsyncEnumerator(cancellationToken);
        await using (batches.ConfigureAwait(false))
        {
            while (true)
            {
                LedgerFormatException? error = null;
                try
                {
                    if (!await batches.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (LedgerFormatException ex)
                {
                    error = ex;
                }

                if (error is not null)
                {
                    throw await seek.PhysicalAsync(error, cancellationToken).ConfigureAwait(false);
                }

                yield return batches.Current;
            }
        }
    }

    private async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadBatchesAsync(
        JsonLinesResumeSeek? seek, SkippedRowCounter skipped, SourceReadProgress read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        (Stream stream, long origin) = await JsonLinesResumeSeek.OpenAsync(_open, seek, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            StartProgress(stream, read, origin);
            bool skip = _options.MalformedRows == MalformedRowPolicy.Skip;
            using var lines = new LineBuffer(_name, ReadBufferBytes, MaxLineBytes, skipLongLines: skip, _options.BufferPool, origin);
            var batch = new VoucherTransaction[_options.BatchSize];
            var strings = SharedStrings.ForOneRead();
            int count = 0;
            while (true)
            {
                count = FillBatch(lines, batch, count, skip ? skipped : null, strings);
                if (count == batch.Length)
                {
                    yield return batch;
                    count = 0;
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else if (lines.IsCompleted)
                {
                    break;
                }
                else
                {
                    int bytes = await stream.ReadAsync(lines.GetMemory(), cancellationToken).ConfigureAwait(false);
                    lines.Advance(bytes);
                    read.Add(bytes);
                }
            }

            if (count > 0)
            {
                yield return batch.AsMemory(0, count);
            }
        }
    }

    /// <summary>Parses complete lines into the batch; <paramref name="skipped"/> is null when a bad line must fail the read.</summary>
    private int FillBatch(LineBuffer lines, VoucherTransaction[] batch, int count, SkippedRowCounter? skipped, SharedStrings strings)
    {
        while (count < batch.Length && lines.TryReadLine(out ReadOnlySpan<byte> line))
        {
            if (lines.LastLineTooLong)
            {
                skipped!.Add(lines.TooLong(lines.LineNumber));
                continue;
            }

            if (LineBuffer.IsBlank(line))
            {
                continue;
            }

            try
            {
                VoucherTransaction row = TransactionJson.Parse(line, strings);
                row.SourceEnd = lines.LineEnd;
                batch[count] = row;
            }
            catch (FormatException ex)
            {
                var error = new LedgerFormatException(_name, lines.LineNumber, ex.Message, ex);
                if (skipped is null)
                {
                    throw error;
                }

                skipped.Add(error);
                continue;
            }

            count++;
        }

        return count;
    }

    /// <summary>
    /// A stream that knows its length (a file) gives the read its total in bytes; a read that starts at
    /// <paramref name="origin"/> has come that far already.
    /// </summary>
    internal static void StartProgress(Stream stream, SourceReadProgress read, long origin = 0)
    {
        if (stream.CanSeek)
        {
            read.Start(stream.Length, ProgressUnit.Bytes);
            read.Add(origin);
        }
    }

    private static Func<CancellationToken, ValueTask<Stream>> OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // No FileStream buffer: reads go straight into the line buffer, which is already large.
        return _ => ValueTask.FromResult<Stream>(new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0,
            FileOptions.Asynchronous | FileOptions.SequentialScan));
    }
}
