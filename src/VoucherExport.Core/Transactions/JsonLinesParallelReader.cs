using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace VoucherExport.Transactions;

/// <summary>
/// Reads a JSON Lines ledger on several threads while the export writes: one task reads the stream and splits it into
/// <see cref="LineBlock"/>s of whole lines, each block is parsed on the thread pool, and the caller takes the rows in line
/// order, in batches of exactly the sizes one thread would give.
/// </summary>
/// <remarks>
/// Errors come out where one thread would raise them: a malformed line when the caller reaches it (the rows before it
/// first), a read error or a line over the limit after every line before it. Skipped rows are counted in line order, so
/// <see cref="SkippedRowCounter.First"/> is the same. At most <c>2 × threads</c> blocks are in flight; every buffer goes
/// back to its pool when the read ends, however it ends.
/// </remarks>
internal sealed class JsonLinesParallelReader
{
    /// <summary>
    /// 256 KiB a block: about 450 ledger lines, still enough that handing a block to a thread costs nothing next to
    /// parsing it, and few rows in flight (1 MiB blocks held 4–7 MB more at the peak of a 1M-row export than 512 KiB
    /// ones, and those 2–4 MB more than 256 KiB ones, for the same CPU; benchmarks/results/perf14-2026-12-06.md).
    /// </summary>
    internal const int DefaultBlockBytes = 256 * 1024;

    /// <summary>The most lines in a block, so that a file of short lines still gives blocks of bounded work.</summary>
    internal const int DefaultBlockLines = 2048;

    private readonly Func<CancellationToken, ValueTask<Stream>> _open;
    private readonly JsonLinesResumeSeek? _seek;
    private readonly string _name;
    private readonly JsonLinesSourceOptions _options;
    private readonly int _readBufferBytes;
    private readonly int _maxLineBytes;
    private readonly int _blockBytes;
    private readonly int _blockLines;
    private readonly int _threads;
    private readonly bool _skip;

    // Shared by the parsing threads of one read (the table is thread-safe).
    private readonly SharedStrings _strings = SharedStrings.ForOneRead();

    public JsonLinesParallelReader(
        Func<CancellationToken, ValueTask<Stream>> open, JsonLinesResumeSeek? seek, string name, JsonLinesSourceOptions options,
        int readBufferBytes, int maxLineBytes, int blockBytes, int blockLines, int threads)
    {
        _open = open;
        _seek = seek;
        _name = name;
        _options = options;
        _readBufferBytes = readBufferBytes;
        _maxLineBytes = maxLineBytes;
        _blockBytes = blockBytes;
        _blockLines = blockLines;
        _threads = threads;
        _skip = options.MalformedRows == MalformedRowPolicy.Skip;
    }

    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        SkippedRowCounter skipped, SourceReadProgress read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        (Channel<LineBlock> blocks, Splitter splitter, Task split) = StartSplitting(read, parse: true, stop.Token);
        LineBlock? current = null;
        try
        {
            var batch = new VoucherTransaction[_options.BatchSize];
            int count = 0;
            while (await blocks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (blocks.Reader.TryRead(out current))
                {
                    await current.Parsing.ConfigureAwait(false);
                    int problem = 0;
                    for (int i = 0; i < current.Count; i++)
                    {
                        VoucherTransaction? row = current.Row(i);
                        if (row is null)
                        {
                            LedgerFormatException error = current.Problems![problem++];
                            if (i == current.FailedAt)
                            {
                                throw error;
                            }

                            skipped.Add(error);
                            continue;
                        }

                        batch[count] = row;
                        if (++count == batch.Length)
                        {
                            yield return batch;
                            count = 0;
                            cancellationToken.ThrowIfCancellationRequested();
                        }
                    }

                    current.Release();
                    current = null;
                }
            }

            await split.ConfigureAwait(false);
            splitter.Failure?.Throw();
            if (count > 0)
            {
                yield return batch.AsMemory(0, count);
            }
        }
        finally
        {
            // The caller stopped, failed or finished: stop the splitter, wait for every parse, return every buffer.
            await stop.CancelAsync().ConfigureAwait(false);
            await split.ConfigureAwait(false);
            if (current is not null)
            {
                current.Release();
            }

            while (blocks.Reader.TryRead(out LineBlock? left))
            {
                await left.Parsing.ConfigureAwait(false);
                left.Release();
            }
        }
    }

    /// <summary>
    /// The ledger's lines in blocks, unparsed, for a writer that scans and formats them itself; the caller owns (and
    /// must release) each block it takes. A read error, or a line over the limit, is raised after every block before it.
    /// </summary>
    public async IAsyncEnumerable<LineBlock> ReadBlocksAsync(SourceReadProgress read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        (Channel<LineBlock> blocks, Splitter splitter, Task split) = StartSplitting(read, parse: false, stop.Token);
        try
        {
            while (await blocks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (blocks.Reader.TryRead(out LineBlock? block))
                {
                    yield return block;
                }
            }

            await split.ConfigureAwait(false);
            splitter.Failure?.Throw();
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await split.ConfigureAwait(false);
            while (blocks.Reader.TryRead(out LineBlock? left))
            {
                left.Release();
            }
        }
    }

    /// <summary>
    /// Starts the splitter on the thread pool (starting each block's parse as it hands it on, with <paramref name="parse"/>):
    /// at most <c>2 × threads</c> blocks wait in the channel.
    /// </summary>
    private (Channel<LineBlock> Blocks, Splitter Splitter, Task Split) StartSplitting(SourceReadProgress read, bool parse, CancellationToken stop)
    {
        var blocks = Channel.CreateBounded<LineBlock>(
            new BoundedChannelOptions(2 * _threads) { SingleReader = true, SingleWriter = true });
        var splitter = new Splitter(this, blocks.Writer, read, parse);
        Task split = Task.Run(() => splitter.RunAsync(stop), CancellationToken.None);
        return (blocks, splitter, split);
    }

    private LineBlock NewBlock(int atLeastBytes = 0) =>
        new(Math.Max(_blockBytes, atLeastBytes), _blockLines, _options.BufferPool, _name, _maxLineBytes);

    /// <summary>Starts parsing <paramref name="block"/> on the thread pool; the task never faults.</summary>
    private void StartParse(LineBlock block)
    {
        block.Parsing = Task.Run(() => block.Parse(_skip, _strings), CancellationToken.None);
    }

    /// <summary>The reading side: stream → line buffer → blocks, each handed on (its parse started, with <c>parse</c>) as soon as it is full.</summary>
    private sealed class Splitter(JsonLinesParallelReader reader, ChannelWriter<LineBlock> blocks, SourceReadProgress read, bool parse)
    {
        private LineBlock? _open;

        /// <summary>What stopped the read early (after every block before it was handed on), or null.</summary>
        public ExceptionDispatchInfo? Failure { get; private set; }

        /// <summary>Reads to the end; never throws: a failure is kept in <see cref="Failure"/>, and the channel is always completed.</summary>
        public async Task RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                (Stream stream, long origin) = await JsonLinesResumeSeek.OpenAsync(reader._open, reader._seek, cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    JsonLinesTransactionSource.StartProgress(stream, read, origin);
                    using var lines = new LineBuffer(
                        reader._name, reader._readBufferBytes, reader._maxLineBytes, skipLongLines: reader._skip, reader._options.BufferPool,
                        origin);
                    _open = reader.NewBlock();
                    while (true)
                    {
                        if (Fill(lines) is { } full)
                        {
                            await HandOnAsync(full, cancellationToken).ConfigureAwait(false);
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
                }
            }
            catch (Exception error)
            {
                Failure = ExceptionDispatchInfo.Capture(error);
            }

            try
            {
                // The lines before a failure (or the last lines of the file) are handed on, so their problems come first.
                if (_open is { Count: > 0 } last)
                {
                    _open = null;
                    await HandOnAsync(last, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception error)
            {
                Failure ??= ExceptionDispatchInfo.Capture(error);
            }
            finally
            {
                _open?.Release();
                _open = null;
                blocks.Complete();
            }
        }

        /// <summary>Copies complete lines into the open block; returns it when full (a new one is then open), or null for more input.</summary>
        private LineBlock? Fill(LineBuffer lines)
        {
            LineBlock block = _open!;
            while (lines.TryReadLine(out ReadOnlySpan<byte> line))
            {
                if (lines.LastLineTooLong)
                {
                    if (!block.TryAddTooLong(lines.LineNumber))
                    {
                        _open = reader.NewBlock();
                        _open.TryAddTooLong(lines.LineNumber);
                        return block;
                    }

                    continue;
                }

                if (LineBuffer.IsBlank(line))
                {
                    continue;
                }

                if (!block.TryAdd(line, lines.LineNumber, lines.LineEnd))
                {
                    _open = reader.NewBlock(line.Length);
                    _open.TryAdd(line, lines.LineNumber, lines.LineEnd);
                    return block;
                }
            }

            return null;
        }

        private async ValueTask HandOnAsync(LineBlock block, CancellationToken cancellationToken)
        {
            if (parse)
            {
                reader.StartParse(block);
            }

            try
            {
                await blocks.WriteAsync(block, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await block.Parsing.ConfigureAwait(false);
                block.Release();
                throw;
            }
        }
    }
}
