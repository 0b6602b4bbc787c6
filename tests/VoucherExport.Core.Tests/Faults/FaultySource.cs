using System.Runtime.CompilerServices;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Faults;

/// <summary>
/// A source that yields its rows in batches and, at a chosen row, throws, cancels the export, or stalls until cancelled.
/// It counts open readers so a test can prove every read was disposed.
/// </summary>
internal sealed class FaultySource(VoucherTransaction[] rows, int batch = 25) : ITransactionSource
{
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open;
    private int _fired;
    private int _reads;

    /// <summary>Whether the rows are in the export's order, so the engine streams them instead of sorting.</summary>
    public bool Ordered { get; init; }

    /// <summary>Throw <see cref="Error"/> before yielding this row (0-based).</summary>
    public int? ThrowAt { get; init; }

    /// <summary>Cancel <see cref="Cancel"/> before yielding this row.</summary>
    public int? CancelAt { get; init; }

    /// <summary>Stall before yielding this row until the read is cancelled.</summary>
    public int? StallAt { get; init; }

    public CancellationTokenSource? Cancel { get; init; }

    /// <summary>How many reads fail before the source recovers (a transient fault); null: every read.</summary>
    public int? Times { get; init; }

    public Func<Exception> Error { get; init; } = () => new LedgerFormatException("faulty-source", 1, "injected fault");

    public Task Stalled => _stalled.Task;

    /// <summary>Reads started.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Readers started and not yet disposed.</summary>
    public int OpenReaders => Volatile.Read(ref _open);

    public SourcePushdown Plan(TransactionQuery query) => new(FiltersApplied: false, OrderApplied: Ordered);

    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _reads);
        try
        {
            bool fire = Times is null || Interlocked.Increment(ref _fired) <= Times;
            for (int i = 0; i < rows.Length; i += batch)
            {
                int end = Math.Min(rows.Length, i + batch);
                if (fire && ThrowAt is { } t && t >= i && t < end)
                {
                    throw Error();
                }

                if (CancelAt is { } c && c >= i && c < end)
                {
                    await Cancel!.CancelAsync();
                }

                if (fire && StallAt is { } s && s >= i && s < end)
                {
                    _stalled.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                yield return rows.AsMemory(i, end - i);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }
}
