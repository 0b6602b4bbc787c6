using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Tests.Csv;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Ordering;

public class ExternalSortProperties
{
    /// <summary>
    /// Rows whose created_at mostly collide (a handful of instants, some in other offsets), so the id tie-break decides
    /// most places; ids are any text (surrogate pairs, BMP characters above them, quotes, newlines) made unique by a
    /// '#index' suffix — '#' never occurs in the text.
    /// </summary>
    private static Gen<VoucherTransaction[]> Rows { get; } =
        Gen.Choose(0, 400).SelectMany(n => Gen.CollectToArray(Enumerable.Range(0, n).Select(i =>
            from row in CsvGen.Row(i)
            from text in CsvGen.Text
            from second in Gen.Choose(0, 3)
            from offsetHours in Gen.Elements(0, 0, 0, 5, -3)
            select new VoucherTransaction
            {
                Id = $"vtx_{text}#{i}",
                Type = row.Type,
                SourceId = row.SourceId,
                VoucherId = row.VoucherId,
                CampaignId = row.CampaignId,
                Source = row.Source,
                Reason = row.Reason,
                RelatedTransactionId = row.RelatedTransactionId,
                Amount = row.Amount,
                Balance = row.Balance,
                Details = row.Details,
                CreatedAt = TestRows.Start.AddSeconds(second).ToOffset(TimeSpan.FromHours(offsetHours)),
            })));

    /// <summary>
    /// Property: under any budget (from one row a run to everything in memory), any merge width (down to 2, so merges
    /// run in passes) and any batch size, the export has exactly the bytes of the in-memory reference, and every
    /// temporary file is gone afterwards.
    /// </summary>
    [Property(MaxTest = 60)]
    public Property AnyBudgetGivesTheInMemoryBytes() => Prop.ForAll(
        (from rows in Rows
         from budget in Gen.Frequency((3, Gen.Choose(4096, 40_000)), (1, Gen.Constant(64 * 1024 * 1024)))
         from width in Gen.Choose(2, 9)
         from batch in Gen.Choose(1, 64)
         from up in Gen.Elements(true, false)
         select (rows, budget, width, batch, up)).ToArbitrary(),
        input =>
        {
            var (rows, budget, width, batch, up) = input;
            var order = up ? ExportOrder.CreatedAtAscending : ExportOrder.CreatedAtDescending;
            using var temp = new TempFolder();
            var sort = new SortOptions { MemoryBudgetBytes = budget, MaxMergeWidth = width, TempFolder = temp.Path };
            var shuffled = rows.ToArray();
            new Random(rows.Length).Shuffle(shuffled);

            byte[] bytes = SortKit.ExportAsync(SortKit.Request(order, sort), new InMemoryTransactionSource(shuffled, batch)).GetAwaiter().GetResult();

            Assert.Equal(SortKit.Reference(rows, order), bytes);
            Assert.Empty(SortKit.Entries(temp.Path));
        });
}
