using VoucherExport.Parameters;

namespace VoucherExport.Transactions;

/// <summary>A place in an export's order: a transaction's <c>created_at</c> and <c>id</c>, the two keys of that order.</summary>
/// <param name="CreatedAt">The transaction's <c>created_at</c>.</param>
/// <param name="Id">The transaction's <c>id</c> (compared ordinally).</param>
public readonly record struct TransactionKey(DateTimeOffset CreatedAt, string Id)
{
    /// <summary>The key of <paramref name="row"/>.</summary>
    public static TransactionKey Of(VoucherTransaction row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new TransactionKey(row.CreatedAt, row.Id);
    }

    /// <summary>Whether <paramref name="row"/> comes after this key in <paramref name="order"/>.</summary>
    public bool IsBefore(VoucherTransaction row, ExportOrder order)
    {
        ArgumentNullException.ThrowIfNull(row);
        int c = row.CreatedAt.UtcTicks.CompareTo(CreatedAt.UtcTicks);
        if (c == 0)
        {
            c = string.CompareOrdinal(row.Id, Id);
        }

        return order == ExportOrder.CreatedAtAscending ? c > 0 : c < 0;
    }
}
