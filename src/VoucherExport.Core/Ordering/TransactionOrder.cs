using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Ordering;

/// <summary>
/// The total order of an export: <c>created_at</c> then <c>id</c> (ordinal), both ascending or both descending,
/// so the same data always gives the same bytes.
/// </summary>
public sealed class TransactionOrder : IComparer<VoucherTransaction>
{
    private readonly int _sign;

    private TransactionOrder(int sign) => _sign = sign;

    /// <summary>1 oldest first, -1 newest first.</summary>
    internal int Sign => _sign;

    /// <summary>Oldest first.</summary>
    public static TransactionOrder Ascending { get; } = new(1);

    /// <summary>Newest first.</summary>
    public static TransactionOrder Descending { get; } = new(-1);

    /// <summary>The comparer for <paramref name="order"/>.</summary>
    public static TransactionOrder For(ExportOrder order) =>
        order == ExportOrder.CreatedAtAscending ? Ascending : Descending;

    /// <inheritdoc />
    public int Compare(VoucherTransaction? x, VoucherTransaction? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int c = x.CreatedAt.UtcTicks.CompareTo(y.CreatedAt.UtcTicks);
        if (c == 0)
        {
            c = string.CompareOrdinal(x.Id, y.Id);
        }

        return c * _sign;
    }
}
