using System.Runtime.CompilerServices;
using VoucherExport.Parameters;

namespace VoucherExport.Transactions;

/// <summary>Transactions held in memory, yielded as slices of one array: no allocation per batch.</summary>
public sealed class InMemoryTransactionSource : ITransactionSource
{
    private readonly VoucherTransaction[] _rows;
    private readonly int _batchSize;
    private readonly ExportOrder? _declaredOrder;

    /// <summary>
    /// A source over <paramref name="rows"/>, in batches of <paramref name="batchSize"/>. An array is used as is
    /// (not copied); <paramref name="declaredOrder"/> is the order the rows are known to be in, id tie-break included.
    /// </summary>
    public InMemoryTransactionSource(IReadOnlyList<VoucherTransaction> rows, int batchSize = 1024, ExportOrder? declaredOrder = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _rows = rows as VoucherTransaction[] ?? [.. rows];
        _batchSize = batchSize;
        _declaredOrder = declaredOrder;
    }

    /// <inheritdoc />
    public SourcePushdown Plan(TransactionQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new SourcePushdown(FiltersApplied: false, OrderApplied: _declaredOrder == query.Order);
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
        read.Start(_rows.Length, ProgressUnit.Rows);
        for (int offset = 0; offset < _rows.Length; offset += _batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            read.Add(Math.Min(_batchSize, _rows.Length - offset));
            yield return new ReadOnlyMemory<VoucherTransaction>(_rows, offset, Math.Min(_batchSize, _rows.Length - offset));
        }
    }
}
