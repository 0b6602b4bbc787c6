using System.Diagnostics.CodeAnalysis;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Ordering;

/// <summary>
/// Verifies, row by row, that a source that declared the export's order keeps it. Holds only the last row seen
/// (never a batch), so streaming stays flat.
/// </summary>
internal sealed class OrderCheck(ExportOrder order)
{
    private readonly ExportOrder _declared = order;
    private readonly TransactionOrder _order = TransactionOrder.For(order);
    private VoucherTransaction? _previous;
    private long _rows;

    /// <summary>Throws <see cref="DeclaredOrderViolationException"/> at the first row that comes before the one ahead of it.</summary>
    public void Check(ReadOnlySpan<VoucherTransaction> rows)
    {
        VoucherTransaction? previous = _previous;
        for (int i = 0; i < rows.Length; i++)
        {
            VoucherTransaction row = rows[i];

            if (previous is not null)
            {
                Verify(previous, row, _rows + i + 1);
            }

            previous = row;
        }

        _rows += rows.Length;
        _previous = previous;
    }

    /// <summary>
    /// Throws <see cref="DeclaredOrderViolationException"/> naming row <paramref name="rowNumber"/> (from 1) if
    /// <paramref name="row"/> comes before <paramref name="previous"/>. Touches no state, so the threads of a parallel
    /// writer may call it at once on their own batches.
    /// </summary>
    public void Verify(VoucherTransaction previous, VoucherTransaction row, long rowNumber)
    {
        // Equal keys (a duplicate id at the same instant) do not break the order; the source's order stands for them.
        if (_order.Compare(previous, row) > 0)
        {
            Throw(_declared, rowNumber, row, previous);
        }
    }

    [DoesNotReturn]
    private static void Throw(ExportOrder order, long row, VoucherTransaction current, VoucherTransaction previous) =>
        throw new DeclaredOrderViolationException(order, row, current.Id, current.CreatedAt, previous.Id, previous.CreatedAt);
}
