using System.Runtime.CompilerServices;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>Passes a source through, but after <c>pauseAfter</c> batches waits until released (or cancelled).</summary>
internal sealed class PausingSource(ITransactionSource inner, int pauseAfter) : ITransactionSource
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Paused => _paused.Task;

    public Task Ended => _ended.Task;

    public void Release() => _release.TrySetResult();

    public SourcePushdown Plan(TransactionQuery query) => inner.Plan(query);

    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            int batches = 0;
            await foreach (var batch in inner.ReadAsync(query, cancellationToken))
            {
                yield return batch;
                if (++batches == pauseAfter)
                {
                    _paused.TrySetResult();
                    await _release.Task.WaitAsync(cancellationToken);
                }
            }
        }
        finally
        {
            _ended.TrySetResult();
        }
    }
}
