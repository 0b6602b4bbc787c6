using System.Runtime.CompilerServices;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Support;

/// <summary>A source that yields its first batch, then waits until released (or cancelled); or throws after N rows.</summary>
internal sealed class BlockingSource(IReadOnlyList<VoucherTransaction> rows, int throwAfter = -1) : ITransactionSource
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstBatchOut = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Block { get; init; }

    public bool DisposedReader { get; private set; }

    public Task FirstBatchOut => _firstBatchOut.Task;

    public void Release() => _release.TrySetResult();

    public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var all = rows.ToArray();
            for (int i = 0; i < all.Length; i++)
            {
                if (i == throwAfter)
                {
                    throw new LedgerFormatException("blocking-source", i + 1, "injected fault");
                }

                yield return all.AsMemory(i, 1);
                _firstBatchOut.TrySetResult();
                if (Block)
                {
                    await _release.Task.WaitAsync(cancellationToken);
                }
            }

            _firstBatchOut.TrySetResult();
        }
        finally
        {
            DisposedReader = true;
        }
    }
}
