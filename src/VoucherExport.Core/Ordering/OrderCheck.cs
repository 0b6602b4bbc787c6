using System.Diagnostics.CodeAnalysis;
using System.Text;
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

    /// <summary>
    /// <see cref="Verify(VoucherTransaction, VoucherTransaction, long)"/> for rows known by their instant (UTC ticks) and
    /// UTF-8 id, as a batch of scanned lines keeps them: the same comparison (ids in ordinal UTF-16 order, which UTF-8
    /// bytes give as they are when both ids are ASCII) and the same error.
    /// </summary>
    public void Verify(long previousTicks, ReadOnlySpan<byte> previousId, long ticks, ReadOnlySpan<byte> id, long rowNumber)
    {
        int c = previousTicks.CompareTo(ticks);
        if (c == 0)
        {
            c = previousId.SequenceCompareTo(id);
            if (c != 0 && !(Ascii.IsValid(previousId) && Ascii.IsValid(id)))
            {
                c = string.CompareOrdinal(Encoding.UTF8.GetString(previousId), Encoding.UTF8.GetString(id));
            }
        }

        if (c * _order.Sign > 0)
        {
            throw new DeclaredOrderViolationException(
                _declared, rowNumber, Encoding.UTF8.GetString(id), new DateTimeOffset(ticks, TimeSpan.Zero),
                Encoding.UTF8.GetString(previousId), new DateTimeOffset(previousTicks, TimeSpan.Zero));
        }
    }

    [DoesNotReturn]
    private static void Throw(ExportOrder order, long row, VoucherTransaction current, VoucherTransaction previous) =>
        throw new DeclaredOrderViolationException(order, row, current.Id, current.CreatedAt, previous.Id, previous.CreatedAt);
}
