namespace VoucherExport.Registry;

/// <summary>Compares exports for <see cref="ExportListOrder"/>; ties fall back to newest first, then id.</summary>
public sealed class ExportListComparer : IComparer<ExportObject>
{
    private readonly ExportListOrder _order;

    private ExportListComparer(ExportListOrder order) => _order = order;

    /// <summary>The comparer of <paramref name="order"/>.</summary>
    public static ExportListComparer For(ExportListOrder order) => new(order);

    /// <inheritdoc />
    public int Compare(ExportObject? x, ExportObject? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int c = _order switch
        {
            ExportListOrder.CreatedAtAscending => x.CreatedAt.CompareTo(y.CreatedAt),
            ExportListOrder.StatusAscending => CompareStatus(x, y),
            ExportListOrder.StatusDescending => -CompareStatus(x, y),
            _ => 0,
        };
        if (c == 0)
        {
            c = y.CreatedAt.CompareTo(x.CreatedAt);
        }

        return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
    }

    private static int CompareStatus(ExportObject x, ExportObject y) =>
        string.CompareOrdinal(ExportStateMachine.Name(x.Status), ExportStateMachine.Name(y.Status));
}
