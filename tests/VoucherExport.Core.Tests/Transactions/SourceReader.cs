using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

/// <summary>Reads a whole source into a list, copying each batch out before the next is asked for.</summary>
internal static class SourceReader
{
    public static TransactionQuery Query(ExportOrder order = ExportOrder.CreatedAtAscending)
        => new(null, order, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public static async Task<List<VoucherTransaction>> ReadAllAsync(ITransactionSource source, List<int>? batchSizes = null)
    {
        var rows = new List<VoucherTransaction>();
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(Query(), CancellationToken.None))
        {
            Assert.False(batch.IsEmpty);
            batchSizes?.Add(batch.Length);
            rows.AddRange(batch.ToArray());
        }

        return rows;
    }
}
