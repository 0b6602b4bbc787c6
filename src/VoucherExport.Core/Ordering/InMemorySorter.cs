using VoucherExport.Transactions;

namespace VoucherExport.Ordering;

/// <summary>Collects rows, then yields them in the export's total order.</summary>
internal sealed class InMemorySorter
{
    private readonly int _maxRows;
    private VoucherTransaction[] _rows = new VoucherTransaction[1024];
    private int _count;

    public InMemorySorter(SortOptions options) => _maxRows = options.MaxInMemoryRows;

    public int Count => _count;

    public void Add(VoucherTransaction row)
    {
        if (_count == _rows.Length)
        {
            if (_count >= _maxRows)
            {
                throw new ExportSortLimitException(_maxRows);
            }

            Array.Resize(ref _rows, (int)Math.Min((long)_rows.Length * 2, _maxRows));
        }

        _rows[_count++] = row;
    }

    /// <summary>Sorts in place and returns the rows in order; the rows stay held until this sorter is dropped.</summary>
    public ReadOnlyMemory<VoucherTransaction> Sort(TransactionOrder order)
    {
        // The order is total (created_at, then unique id), so an unstable sort still gives one answer.
        Array.Sort(_rows, 0, _count, order);
        return _rows.AsMemory(0, _count);
    }
}
