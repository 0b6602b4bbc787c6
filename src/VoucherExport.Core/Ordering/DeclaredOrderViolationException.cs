using System.Globalization;
using VoucherExport.Parameters;

namespace VoucherExport.Ordering;

/// <summary>A source said it delivers the export's order, and a row came out of it.</summary>
public sealed class DeclaredOrderViolationException : Exception
{
    /// <summary>Creates the exception for row number <paramref name="row"/> (1-based, as the source yielded it).</summary>
    public DeclaredOrderViolationException(
        ExportOrder order, long row, string id, DateTimeOffset createdAt, string previousId, DateTimeOffset previousCreatedAt)
        : base($"the source declared the order {OrderText(order)} but row {row.ToString(CultureInfo.InvariantCulture)} " +
               $"({id}, created_at {Text(createdAt)}) comes after {previousId} (created_at {Text(previousCreatedAt)}); " +
               "fix the ledger's order or do not declare it, so the export sorts")
    {
        Order = order;
        Row = row;
        Id = id;
        PreviousId = previousId;
    }

    /// <summary>The declared (and asked) order.</summary>
    public ExportOrder Order { get; }

    /// <summary>The 1-based number of the offending row among the rows the source yielded.</summary>
    public long Row { get; }

    /// <summary>The offending row's id.</summary>
    public string Id { get; }

    /// <summary>The id of the row before it.</summary>
    public string PreviousId { get; }

    private static string OrderText(ExportOrder order) =>
        order == ExportOrder.CreatedAtAscending ? "created_at (oldest first, then id)" : "-created_at (newest first, then id descending)";

    private static string Text(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
