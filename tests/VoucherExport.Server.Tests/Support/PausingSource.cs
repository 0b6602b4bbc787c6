using System.Runtime.CompilerServices;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests.Support;

/// <summary>
/// The rows of <paramref name="inner"/>; but an export that filters on <c>source_id</c> gets the first batch and then waits
/// until it is cancelled, so it is surely IN_PROGRESS for as long as a test (or a browser) needs.
/// </summary>
internal sealed class PausingSource(ITransactionSource inner) : ITransactionSource
{
    public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool pause = query.Filters is { } filters && filters.Clauses.Any(c => c.Field == TransactionField.SourceId);
        var everything = new TransactionQuery(null, query.Order, query.Now);
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in inner.ReadAsync(everything, cancellationToken))
        {
            yield return batch;
            if (pause)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }
}
