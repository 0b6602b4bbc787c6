using System.Runtime.CompilerServices;

namespace VoucherExport.Ordering;

/// <summary>
/// A k-way merge of sorted runs: a priority queue holds each run's current record, keyed by (created_at, id) read
/// straight from the record, so only the rows handed to the writer are ever decoded.
/// </summary>
internal sealed class RunMerge : IDisposable
{
    private readonly List<RunReader> _readers;
    private readonly PriorityQueue<RunReader, RunReader> _queue;
    private bool _started;

    /// <summary>A merge of <paramref name="readers"/> (in run order) in the order of <paramref name="sign"/> (1 or -1); it owns them.</summary>
    public RunMerge(List<RunReader> readers, int sign)
    {
        _readers = readers;
        _queue = new PriorityQueue<RunReader, RunReader>(readers.Count, new ReaderOrder(sign));
    }

    /// <summary>The reader holding the next record in order, or null when every run is done.</summary>
    /// <remarks>Its <see cref="RunReader.Current"/> stays valid until this is called again.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ValueTask<RunReader?> NextAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            return StartAsync(cancellationToken);
        }

        // The previous winner leaves the queue before it moves on: the queue keeps no copy of a key, it reads the
        // readers' current records, so a reader must never change while queued.
        if (!_queue.TryDequeue(out RunReader? top, out _))
        {
            return new ValueTask<RunReader?>((RunReader?)null);
        }

        ValueTask<bool> moved = top.MoveNextAsync(cancellationToken);
        if (moved.IsCompletedSuccessfully)
        {
            return new ValueTask<RunReader?>(Requeue(top, moved.Result));
        }

        return RequeueAsync(top, moved);
    }

    public void Dispose()
    {
        foreach (RunReader reader in _readers)
        {
            reader.Dispose();
        }
    }

    private async ValueTask<RunReader?> StartAsync(CancellationToken cancellationToken)
    {
        _started = true;
        foreach (RunReader reader in _readers)
        {
            if (await reader.MoveNextAsync(cancellationToken).ConfigureAwait(false))
            {
                _queue.Enqueue(reader, reader);
            }
        }

        return _queue.TryPeek(out RunReader? top, out _) ? top : null;
    }

    private async ValueTask<RunReader?> RequeueAsync(RunReader top, ValueTask<bool> moved) =>
        Requeue(top, await moved.ConfigureAwait(false));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private RunReader? Requeue(RunReader top, bool hasMore)
    {
        if (hasMore)
        {
            _queue.Enqueue(top, top);
        }

        return _queue.TryPeek(out RunReader? next, out _) ? next : null;
    }

    /// <summary>The export's order on the readers' current records; equal keys come from the earlier run first.</summary>
    private sealed class ReaderOrder(int sign) : IComparer<RunReader>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Compare(RunReader? x, RunReader? y)
        {
            int c = x!.Ticks.CompareTo(y!.Ticks);
            if (c == 0)
            {
                c = RunRecord.Id(x.Current.Span).SequenceCompareTo(RunRecord.Id(y.Current.Span));
            }

            return c != 0 ? c * sign : x.Index.CompareTo(y.Index);
        }
    }
}
