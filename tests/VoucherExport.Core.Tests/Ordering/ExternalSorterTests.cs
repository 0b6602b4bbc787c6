using System.Text;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Ordering;

public class ExternalSorterTests
{
    private static List<string> Ids(IEnumerable<VoucherTransaction> rows) => [.. rows.Select(r => r.Id)];

    private static List<string> Expected(IEnumerable<VoucherTransaction> rows, ExportOrder order) => order == ExportOrder.CreatedAtAscending
        ? Ids(rows.OrderBy(r => r.CreatedAt.UtcTicks).ThenBy(r => r.Id, StringComparer.Ordinal))
        : Ids(rows.OrderByDescending(r => r.CreatedAt.UtcTicks).ThenByDescending(r => r.Id, StringComparer.Ordinal));

    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending)]
    [InlineData(ExportOrder.CreatedAtDescending)]
    public async Task ManyRunsAreMergedInPassesIntoTheTotalOrder(ExportOrder order)
    {
        using var temp = new TempFolder();
        var rows = Support.Rows.Demo(3000);
        var options = new SortOptions { MemoryBudgetBytes = 16 * 1024, MaxMergeWidth = 4, TempFolder = temp.Path };
        List<VoucherTransaction> sorted;
        int runsOnDisk;
        await using (var sorter = new ExternalSorter(options, order))
        {
            await SortKit.AddAllAsync(sorter, rows);
            runsOnDisk = SortKit.RunFiles(temp.Path);
            sorted = await SortKit.DrainAsync(sorter);

            // More than 20 runs, merged four at a time: the passes wrote runs of their own.
            Assert.True(runsOnDisk > 20, $"{runsOnDisk} runs");
            Assert.True(sorter.RunsWritten > runsOnDisk, $"{sorter.RunsWritten} runs written for {runsOnDisk} spilled");
        }

        Assert.Equal(Expected(rows, order), Ids(sorted));
        Assert.Empty(SortKit.Entries(temp.Path));
    }

    [Fact]
    public async Task RowsThatFitOneRunNeverTouchTheDisk()
    {
        using var temp = new TempFolder();
        var rows = Support.Rows.Demo(2000);
        await using var sorter = new ExternalSorter(new SortOptions { TempFolder = temp.Path }, ExportOrder.CreatedAtDescending);
        await SortKit.AddAllAsync(sorter, rows);
        var sorted = await SortKit.DrainAsync(sorter);

        Assert.Equal(Expected(rows, ExportOrder.CreatedAtDescending), Ids(sorted));
        Assert.Equal(0, sorter.RunsWritten);
        Assert.Null(sorter.TempFolder);
        Assert.Empty(SortKit.Entries(temp.Path));
    }

    [Fact]
    public async Task RowsLargerThanASegmentOrAReadBufferSortAndComeBackWhole()
    {
        // 40 KiB of details against 4 KiB segments and read buffers: the large-record paths of the run and the reader.
        using var temp = new TempFolder();
        var rows = Enumerable.Range(0, 60).Select(i =>
        {
            var row = Support.Rows.Make(i, secondsFromStart: (i * 7) % 13);
            return i % 3 != 0 ? row : new VoucherTransaction
            {
                Id = row.Id,
                Type = row.Type,
                CreatedAt = row.CreatedAt,
                Details = Encoding.UTF8.GetBytes("{\"blob\":\"" + new string((char)('a' + (i % 26)), 40_000) + "\"}"),
            };
        }).ToArray();
        var options = new SortOptions { MemoryBudgetBytes = 64 * 1024, MaxMergeWidth = 64, TempFolder = temp.Path };
        await using var sorter = new ExternalSorter(options, ExportOrder.CreatedAtAscending);
        await SortKit.AddAllAsync(sorter, rows);
        var sorted = await SortKit.DrainAsync(sorter);

        Assert.True(sorter.RunsWritten > 5);
        Assert.Equal(Expected(rows, ExportOrder.CreatedAtAscending), Ids(sorted));
        var byId = rows.ToDictionary(r => r.Id);
        Assert.All(sorted, r => Assert.Equal(byId[r.Id].Details.ToArray(), r.Details.ToArray()));
    }

    [Fact]
    public async Task PastTheSpillLimitTheSortFailsClearlyAndCleansUp()
    {
        using var temp = new TempFolder();
        var options = new SortOptions { MemoryBudgetBytes = 8 * 1024, MaxSpillBytes = 50_000, TempFolder = temp.Path };
        var sorter = new ExternalSorter(options, ExportOrder.CreatedAtAscending);
        await using (sorter)
        {
            var error = await Assert.ThrowsAsync<ExportSortLimitException>(() => SortKit.AddAllAsync(sorter, Support.Rows.Demo(1000)));
            Assert.Equal(50_000, error.MaxSpillBytes);
            Assert.Contains("SortOptions.MaxSpillBytes", error.Message, StringComparison.Ordinal);
            Assert.Contains(temp.Path, error.Message, StringComparison.Ordinal);
        }

        Assert.Empty(SortKit.Entries(temp.Path));
    }

    [Theory]
    [InlineData(4095L, 2, null)]
    [InlineData(4096L, 1, null)]
    [InlineData(4096L, 2, -1L)]
    public void BadOptionsAreRejectedByName(long budget, int width, long? maxSpill)
    {
        var options = new SortOptions { MemoryBudgetBytes = budget, MaxMergeWidth = width, MaxSpillBytes = maxSpill };
        var error = Assert.ThrowsAny<ArgumentException>(() => options.Validate());
        Assert.Contains(
            budget < 4096 ? nameof(SortOptions.MemoryBudgetBytes) : width < 2 ? nameof(SortOptions.MaxMergeWidth) : nameof(SortOptions.MaxSpillBytes),
            error.ParamName,
            StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SortOptions { TempFolder = " " }.Validate());
        Assert.Same(SortOptions.Default, SortOptions.Default.Validate());
    }
}
