using System.Runtime.CompilerServices;
using VoucherExport.Demo;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Shared;

/// <summary>
/// A ledger whose first read fails with a transient fault after one batch; every later read succeeds. Compiled into
/// each test project that checks how retries are configured (linked, not copied).
/// </summary>
internal sealed class FailingOnceSource : ITransactionSource
{
    public const int RowCount = 40;

    private readonly VoucherTransaction[] _rows = new DemoLedger(RowCount, 7).Transactions().ToArray();
    private int _reads;

    /// <summary>Reads started so far.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool fail = Interlocked.Increment(ref _reads) == 1;
        await Task.Yield();
        yield return _rows.AsMemory(0, RowCount / 2);
        if (fail)
        {
            throw new TransientExportException("the ledger connection dropped");
        }

        yield return _rows.AsMemory(RowCount / 2);
    }
}
