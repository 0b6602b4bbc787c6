using System.Buffers;
using System.Diagnostics;
using VoucherExport.Chunks;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Telemetry;
using VoucherExport.Transactions;

namespace VoucherExport;

/// <summary>Runs one export, from request to manifest: source → filter → order → CSV → chunks → sink.</summary>
public static class ExportEngine
{
    /// <summary>The name of the manifest stored beside the chunks.</summary>
    public const string ManifestName = "manifest.json";

    /// <summary>
    /// Runs <paramref name="request"/> to the end. On success every chunk and the manifest are published and the final
    /// <c>DONE</c> export object is returned; on failure or cancellation everything the run stored is removed and the
    /// exception propagates.
    /// </summary>
    public static async Task<ExportResult> RunAsync(
        ExportRequest request,
        ITransactionSource source,
        IChunkSinkFactory sinkFactory,
        IProgress<ExportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sinkFactory);
        request.Csv.Validate();
        request.Chunks.Validate();
        request.Sort.Validate();
        sinkFactory.CheckLimits(request.Chunks);

        // One clock reading for the whole run: relative filters must not drift while rows stream.
        DateTimeOffset now = request.Time.GetUtcNow();
        ExportParameters parameters = request.Export.Parameters;
        FilterSet? filters = await FilterCompiler.ResolveVoucherCodesAsync(parameters.Filters, request.Vouchers, cancellationToken).ConfigureAwait(false);
        ExportRange? range = request.Range;
        ExportResumePoint? resume = request.Resume;
        if (range is not null)
        {
            // A range task's chunks are numbered in its own sequence, whether or not an earlier attempt committed some.
            resume = new ExportResumePoint(resume?.Chunks ?? [], range.Task);
        }
        else if (resume is { RangeTask: not 0 })
        {
            throw new ArgumentException("the resume point holds a range task's chunks, but the request runs the whole export", nameof(request));
        }

        var query = new TransactionQuery(filters, parameters.Order, now)
        {
            Parallelism = request.Parallelism,
            AsOf = request.AsOf,
            After = resume?.After,
            AfterOffset = resume?.SourceOffset,
            CreatedFrom = range?.From,
            CreatedBefore = range?.Before,
        };
        SourcePushdown pushdown = source.Plan(query);

        // Rows outside the as-of point or before the resume point, when the source cannot leave them out itself.
        TransactionQuery? outside = query.HasRange && !pushdown.RangeApplied ? query : null;
        TransactionPredicate? predicate = pushdown.FiltersApplied || filters is null || filters.Clauses.IsEmpty
            ? null
            : FilterCompiler.Compile(filters, now);

        var records = new Csv.CsvRecordWriter(request.Csv, parameters.Fields);
        IChunkSink sink = sinkFactory.Create(request.Export.Id);
        bool published = false;
        try
        {
            IReadOnlyList<ChunkInfo> chunks;
            var writer = new ChunkedCsvWriter(
                sink, request.Chunks, records, request.Parallelism, request.BufferPool, resume, request.ChunkCommitted);
            await using (writer.ConfigureAwait(false))
            {
                var rows = new RowPipeline(writer, predicate, outside, progress, request.BufferPool, request.Parallelism, query.ReadProgress);
                if (pushdown.OrderApplied)
                {
                    chunks = await rows.StreamAsync(source, query, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    chunks = await rows.SortThenWriteAsync(source, query, request.Sort, cancellationToken).ConfigureAwait(false);
                }

                progress?.Report(new ExportProgress(writer.Rows, writer.Bytes, writer.Chunks)
                {
                    Phase = ExportPhase.Writing,
                    PhaseDone = writer.Rows,
                    PhaseTotal = writer.Rows,
                    PhaseUnit = ProgressUnit.Rows,
                });
            }

            ExportObject done = Finish(request.Export, sink, chunks, query.SkippedRows.Count);
            if (range is not null)
            {
                // The registry publishes the whole export's manifest once every range task is done.
                published = true;
                return new ExportResult(done);
            }

            using (Activity? stage = ExportStage.Start(ExportStage.Manifest))
            {
                try
                {
                    await PublishManifestAsync(sink, done, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (ExportStage.Failed(stage, error))
                {
                    throw;
                }
            }

            published = true;
            return new ExportResult(done);
        }
        finally
        {
            if (!published && request.ChunkCommitted is null)
            {
                // A failed or cancelled export leaves nothing visible, not even the chunks it had completed. (With a commit
                // log the caller keeps them for the next attempt, and removes them if it gives the export up.)
                await sink.DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Stores the manifest of <paramref name="done"/> once. One stored already (an earlier attempt wrote it and ended
    /// before its final state was recorded, or another attempt of the same export finished first) is kept as it is when it
    /// lists the same chunks (names and SHA-256); other chunks mean two attempts raced, and the run fails.
    /// </summary>
    internal static async Task PublishManifestAsync(IChunkSink sink, ExportObject done, CancellationToken cancellationToken)
    {
        if (await sink.TryCreateManifestAsync(ExportJson.ToUtf8(done), cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var stored = new MemoryStream();
        Stream read = await sink.OpenReadAsync(ManifestName, cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            await read.CopyToAsync(stored, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<ExportChunk>? kept = ExportJson.Read(stored.ToArray()).Result?.Chunks;
        IReadOnlyList<ExportChunk> ours = done.Result!.Chunks;
        bool same = kept is not null && kept.Count == ours.Count
            && kept.Zip(ours).All(p => p.First.Info.Name == p.Second.Info.Name && p.First.Info.Sha256 == p.Second.Info.Sha256);
        if (!same)
        {
            throw new IOException($"{ManifestName} of export {done.Id} is stored already with other chunks; two attempts of the export raced");
        }
    }

    /// <summary>The <c>DONE</c> export object of <paramref name="chunks"/> stored in <paramref name="sink"/>, with their URLs.</summary>
    internal static ExportObject Finish(ExportObject export, IChunkSink sink, IReadOnlyList<ChunkInfo> chunks, long skippedRows)
    {
        var published = new ExportChunk[chunks.Count];
        long rows = 0, bytes = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            published[i] = new ExportChunk(chunks[i], sink.GetUrl(chunks[i].Name));
            rows += chunks[i].Rows;
            bytes += chunks[i].Bytes;
        }

        string? url = published.Length == 1 ? published[0].Url : sink.GetUrl(ManifestName);
        return export with
        {
            Status = ExportStatus.Done,
            Progress = null,
            Error = null,
            Result = new ExportResultInfo(url, published, rows, bytes) { SkippedRows = skippedRows },
        };
    }

    /// <summary>The synchronous per-batch loop: filter into a pooled scratch array, then format.</summary>
    private sealed class RowPipeline(
        ChunkedCsvWriter writer, TransactionPredicate? predicate, TransactionQuery? range, IProgress<ExportProgress>? progress,
        ArrayPool<byte> pool, int threads, SourceReadProgress read)
    {
        private const int WriteBatch = 1024;

        private long _collected;

        public async Task<IReadOnlyList<ChunkInfo>> StreamAsync(
            ITransactionSource source, TransactionQuery query, CancellationToken cancellationToken)
        {
            using Activity? stage = ExportStage.Start(ExportStage.Write);
            stage?.SetTag("export.source_order", "declared");

            // A JSON Lines ledger whose rows are written as they come (no filter; an as-of point or a range is a bound on
            // created_at the writer applies): the writer's threads scan each line and format its record straight from it,
            // with no row objects in between (docs/architecture.md, "Sources beside the writer").
            IAsyncEnumerable<LineBlock>? blocks = predicate is null && writer.TakesLines && source is JsonLinesTransactionSource ledger
                ? ledger.ReadLineBlocks(query, ParallelChunkedCsvWriter.MaxBatchRows, cancellationToken)
                : null;

            // A declared order is trusted for the work it saves, never for the output: it is verified row by row. When every
            // source row reaches the writer, a parallel writer verifies it on its formatting threads.
            bool keepAll = predicate is null && range is null;
            OrderCheck? order = (keepAll || blocks is not null) && writer.TryVerifyOrder(query.Order) ? null : new OrderCheck(query.Order);
            VoucherTransaction[]? scratch = keepAll || blocks is not null ? null : ArrayPool<VoucherTransaction>.Shared.Rent(WriteBatch);
            try
            {
                if (blocks is not null)
                {
                    stage?.SetTag("export.lines_in_writer", true);
                    if (range is not null)
                    {
                        writer.KeepLinesMadeWithin(
                            range.CreatedFrom,
                            Earliest(range.CreatedBefore, range.AsOf is { } asOf && asOf < DateTimeOffset.MaxValue ? asOf.AddTicks(1) : null));
                    }

                    await foreach (LineBlock block in blocks.WithCancellation(cancellationToken).ConfigureAwait(false))
                    {
                        await writer.WriteLinesAsync(block, cancellationToken).ConfigureAwait(false);
                        ReportSource(ExportPhase.Writing);
                    }

                    return await CompleteAsync(stage, cancellationToken).ConfigureAwait(false);
                }

                await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(query, cancellationToken)
                    .WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    order?.Check(batch.Span);
                    if (scratch is null)
                    {
                        await writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        for (int start = 0; start < batch.Length; start += WriteBatch)
                        {
                            ReadOnlyMemory<VoucherTransaction> part = batch.Slice(start, Math.Min(WriteBatch, batch.Length - start));
                            int kept = Keep(part.Span, scratch);
                            if (kept > 0)
                            {
                                await writer.WriteAsync(scratch.AsMemory(0, kept), cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }

                    ReportSource(ExportPhase.Writing);
                }

                return await CompleteAsync(stage, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (ExportStage.Failed(stage, error))
            {
                throw;
            }
            finally
            {
                if (scratch is not null)
                {
                    ArrayPool<VoucherTransaction>.Shared.Return(scratch, clearArray: true);
                }
            }
        }

        public async Task<IReadOnlyList<ChunkInfo>> SortThenWriteAsync(
            ITransactionSource source, TransactionQuery query, SortOptions options, CancellationToken cancellationToken)
        {
            var sorter = new ExternalSorter(options, query.Order, pool);
            await using (sorter.ConfigureAwait(false))
            {
                using (Activity? sorting = ExportStage.Start(ExportStage.Sort))
                {
                    try
                    {
                        await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(query, cancellationToken)
                            .WithCancellation(cancellationToken).ConfigureAwait(false))
                        {
                            cancellationToken.ThrowIfCancellationRequested();

                            // Rows are encoded into the run as they come, so nothing of the source's batch is held after it.
                            int next = 0;
                            while ((next = Collect(batch.Span, next, sorter)) < batch.Length)
                            {
                                await sorter.SpillAsync(cancellationToken).ConfigureAwait(false);
                            }

                            ReportSource(ExportPhase.Reading);
                        }
                    }
                    catch (Exception error) when (ExportStage.Failed(sorting, error))
                    {
                        throw;
                    }

                    sorting?.SetTag("sort.runs_spilled", sorter.RunsWritten);
                }

                // The last run is sorted in memory before the first row comes out; nothing can be counted meanwhile.
                Report(ExportPhase.Sorting, 0, 0, ProgressUnit.Rows);
                ExportPhase output = sorter.RunsWritten > 0 ? ExportPhase.Merging : ExportPhase.Writing;
                using Activity? stage = ExportStage.Start(ExportStage.Write);
                stage?.SetTag("export.source_order", "sorted");
                try
                {
                    await foreach (ReadOnlyMemory<VoucherTransaction> sorted in sorter.ReadSortedAsync(cancellationToken)
                        .WithCancellation(cancellationToken).ConfigureAwait(false))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        await writer.WriteAsync(sorted, cancellationToken).ConfigureAwait(false);
                        Report(output, writer.Rows, _collected, ProgressUnit.Rows);
                    }

                    stage?.SetTag("sort.runs_spilled", sorter.RunsWritten);
                    return await CompleteAsync(stage, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (ExportStage.Failed(stage, error))
                {
                    throw;
                }
            }
        }

        /// <summary>The earlier of two optional instants (null: no bound).</summary>
        private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
            a is null ? b : b is null ? a : (a < b ? a : b);

        /// <summary>Reports <paramref name="phase"/> measured by the source's read (its bytes or rows), or by rows when its size is unknown.</summary>
        private void ReportSource(ExportPhase phase)
        {
            if (progress is null)
            {
                return;
            }

            long total = read.Total;
            if (total > 0)
            {
                Report(phase, read.Done, total, read.Unit);
            }
            else
            {
                Report(phase, phase == ExportPhase.Reading ? _collected : writer.Rows, 0, ProgressUnit.Rows);
            }
        }

        private void Report(ExportPhase phase, long done, long total, ProgressUnit unit)
            => progress?.Report(new ExportProgress(writer.Rows, writer.Bytes, writer.Chunks)
            {
                Phase = phase,
                PhaseDone = done,
                PhaseTotal = total,
                PhaseUnit = unit,
            });

        private async Task<IReadOnlyList<ChunkInfo>> CompleteAsync(Activity? stage, CancellationToken cancellationToken)
        {
            IReadOnlyList<ChunkInfo> chunks = await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            if (stage is not null)
            {
                stage.SetTag("export.threads", threads);
            stage.SetTag("export.rows", writer.Rows);
                stage.SetTag("export.bytes", writer.Bytes);
                stage.SetTag("export.chunks", chunks.Count);
            }

            return chunks;
        }

        private int Keep(ReadOnlySpan<VoucherTransaction> rows, VoucherTransaction[] scratch)
        {
            int kept = 0;
            foreach (VoucherTransaction row in rows)
            {
                if ((predicate is null || predicate.Matches(row)) && (range is null || range.InRange(row)))
                {
                    scratch[kept++] = row;
                }
            }

            return kept;
        }

        /// <summary>Takes the matching rows from <paramref name="start"/> on; returns where the run filled up, or the end.</summary>
        private int Collect(ReadOnlySpan<VoucherTransaction> rows, int start, ExternalSorter sorter)
        {
            for (int i = start; i < rows.Length; i++)
            {
                VoucherTransaction row = rows[i];
                if ((predicate is null || predicate.Matches(row)) && (range is null || range.InRange(row)))
                {
                    if (!sorter.TryAdd(row))
                    {
                        return i;
                    }

                    _collected++;
                }
            }

            return rows.Length;
        }
    }
}
