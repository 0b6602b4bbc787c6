using System.Runtime.CompilerServices;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests.Support;

/// <summary>
/// A source the test controls: every read yields its first batch, says so, then waits for the gate before the rest.
/// An export reading it is IN_PROGRESS for as long as the test keeps the gate shut.
/// </summary>
internal sealed class GatedSource(IReadOnlyList<VoucherTransaction> rows) : ITransactionSource
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstBatchOut = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task FirstBatchOut => _firstBatchOut.Task;

    public void Open() => _gate.TrySetResult();

    public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        VoucherTransaction[] all = [.. rows];
        int first = Math.Min(1, all.Length);
        yield return all.AsMemory(0, first);
        _firstBatchOut.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        if (all.Length > first)
        {
            yield return all.AsMemory(first);
        }
    }
}
