using System.Runtime.CompilerServices;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>
/// A source that passes on another's rows and, once <paramref name="rowsBeforeFailure"/> have gone out, runs
/// <paramref name="atFailure"/> (to look at the store mid-export) and then fails: a ledger that breaks mid-export.
/// </summary>
internal sealed class FailingSource(ITransactionSource inner, long rowsBeforeFailure, Func<Task> atFailure) : ITransactionSource
{
    public SourcePushdown Plan(TransactionQuery query) => inner.Plan(query);

    public IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken)
        => ReadThenFailAsync(query, cancellationToken);

    private async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadThenFailAsync(
        TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long sent = 0;
        await foreach (var batch in inner.ReadAsync(query, cancellationToken).WithCancellation(cancellationToken))
        {
            int take = (int)Math.Min(batch.Length, rowsBeforeFailure - sent);
            if (take > 0)
            {
                yield return batch[..take];
                sent += take;
            }

            if (sent == rowsBeforeFailure)
            {
                await atFailure();
                throw new InvalidOperationException($"the ledger failed on purpose after {sent} rows");
            }
        }
    }
}
