using System.Runtime.CompilerServices;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Demo;

/// <summary>A <see cref="DemoLedger"/> read as a source: rows are generated as batches are asked for.</summary>
internal sealed class DemoLedgerSource(DemoLedger ledger, int batchSize) : ITransactionSource
{
    /// <inheritdoc />
    public SourcePushdown Plan(TransactionQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new SourcePushdown(FiltersApplied: false, OrderApplied: query.Order == ExportOrder.CreatedAtAscending);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadBatchesAsync(query.ReadProgress, cancellationToken);
    }

    private async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadBatchesAsync(
        SourceReadProgress read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        read.Start(ledger.Rows, ProgressUnit.Rows);
        DemoLedgerGenerator generator = ledger.CreateGenerator();
        var batch = new VoucherTransaction[(int)Math.Min(batchSize, Math.Max(ledger.Rows, 1))];
        for (long done = 0; done < ledger.Rows;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = (int)Math.Min(batch.Length, ledger.Rows - done);
            for (int i = 0; i < count; i++)
            {
                batch[i] = generator.Next();
            }

            done += count;
            read.Add(count);
            yield return batch.AsMemory(0, count);
        }
    }
}
