using System.Buffers;
using System.Runtime.CompilerServices;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Ordering;

/// <summary>
/// Sorts any number of rows in bounded memory: rows are encoded into a run until the budget is spent, each full run is
/// sorted and written to a temporary file, and the runs are merged k-way (in passes when there are more than the merge
/// width). When every row fits in one run nothing is written to disk. Disposing removes every temporary file, whether
/// the sort finished, failed or was cancelled.
/// </summary>
internal sealed class ExternalSorter : IAsyncDisposable
{
    // Rows per batch handed to the writer: as the sources yield, so the writer's loop sees the same shape.
    private const int BatchSize = 1024;

    private readonly int _sign;
    private readonly int _maxMergeWidth;
    private readonly RunMemory _memory;
    private readonly SpillSpace _space;
    private readonly List<SortedRun> _runs = [];
    private readonly RunStringCache _strings = new();
    private readonly ArrayPool<byte> _pool;

    public ExternalSorter(SortOptions options, ExportOrder order, ArrayPool<byte>? pool = null)
    {
        _pool = pool ?? ArrayPool<byte>.Shared;
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _sign = order == ExportOrder.CreatedAtAscending ? 1 : -1;
        _maxMergeWidth = options.MaxMergeWidth;
        _memory = new RunMemory(options.MemoryBudgetBytes, _pool);
        _space = new SpillSpace(options);
    }

    /// <summary>Runs written to disk so far, merge passes included.</summary>
    public int RunsWritten { get; private set; }

    /// <summary>The sort's temporary folder, once a run was written.</summary>
    public string? TempFolder => _space.Folder;

    /// <summary>Takes <paramref name="row"/> into the current run; false when the run is full (call <see cref="SpillAsync"/>, then add again).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryAdd(VoucherTransaction row)
    {
        if (!_memory.TryAdd(row))
        {
            return false;
        }

        Count++;
        return true;
    }

    /// <summary>Rows added so far: after the last add, the rows the sorted output will hold.</summary>
    public long Count { get; private set; }

    /// <summary>Sorts the current run and writes it to a temporary file.</summary>
    public async ValueTask SpillAsync(CancellationToken cancellationToken)
    {
        if (_memory.Count == 0)
        {
            return;
        }

        _memory.Sort(_sign);
        using var writer = new RunWriter(_space, _pool);
        for (int i = 0; i < _memory.Count; i++)
        {
            await writer.WriteAsync(_memory.Record(i), cancellationToken).ConfigureAwait(false);
        }

        _runs.Add(await writer.CompleteAsync(cancellationToken).ConfigureAwait(false));
        RunsWritten++;
        _memory.Clear();
    }

    /// <summary>
    /// Yields every row taken, in the export's order, in batches valid until the next one is requested. Call once,
    /// after the last row was added.
    /// </summary>
    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadSortedAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new VoucherTransaction[BatchSize];
        int count = 0;
        if (_runs.Count == 0)
        {
            _memory.Sort(_sign);
            for (int i = 0; i < _memory.Count; i++)
            {
                batch[count++] = RunRecord.Read(_memory.Record(i).Span, _strings);
                if (count == batch.Length)
                {
                    yield return batch;
                    count = 0;
                }
            }

            _memory.Clear();
        }
        else
        {
            await SpillAsync(cancellationToken).ConfigureAwait(false);
            while (_runs.Count > _maxMergeWidth)
            {
                await MergePassAsync(cancellationToken).ConfigureAwait(false);
            }

            using RunMerge merge = Open(_runs);
            while (await merge.NextAsync(cancellationToken).ConfigureAwait(false) is { } reader)
            {
                batch[count++] = RunRecord.Read(reader.Current.Span, _strings);
                if (count == batch.Length)
                {
                    yield return batch;
                    count = 0;
                }
            }
        }

        if (count > 0)
        {
            Array.Clear(batch, count, batch.Length - count);
            yield return batch.AsMemory(0, count);
        }
    }

    /// <summary>Deletes every temporary file and the sort's folder.</summary>
    public ValueTask DisposeAsync()
    {
        _memory.Clear();
        _space.DeleteAll();
        return ValueTask.CompletedTask;
    }

    /// <summary>Merges the oldest <c>MaxMergeWidth</c> runs into one new run at the end of the list.</summary>
    private async ValueTask MergePassAsync(CancellationToken cancellationToken)
    {
        List<SortedRun> inputs = _runs.GetRange(0, _maxMergeWidth);
        SortedRun merged;
        using (RunMerge merge = Open(inputs))
        using (var writer = new RunWriter(_space, _pool))
        {
            while (await merge.NextAsync(cancellationToken).ConfigureAwait(false) is { } reader)
            {
                await writer.WriteAsync(reader.Current, cancellationToken).ConfigureAwait(false);
            }

            merged = await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        _runs.RemoveRange(0, inputs.Count);
        _runs.Add(merged);
        RunsWritten++;
        foreach (SortedRun run in inputs)
        {
            File.Delete(run.Path);
            _space.Release(run.Bytes);
        }
    }

    private RunMerge Open(List<SortedRun> runs)
    {
        var readers = new List<RunReader>(runs.Count);
        try
        {
            for (int i = 0; i < runs.Count; i++)
            {
                readers.Add(new RunReader(runs[i], i, _memory.ReadBuffer(i, runs.Count)));
            }

            return new RunMerge(readers, _sign);
        }
        catch
        {
            foreach (RunReader reader in readers)
            {
                reader.Dispose();
            }

            throw;
        }
    }
}
