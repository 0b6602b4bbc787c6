using System.Runtime.InteropServices;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class InMemoryTransactionSourceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(1024)]
    public async Task YieldsEveryRowInBatches(int batchSize)
    {
        List<VoucherTransaction> rows = [.. new DemoLedger(100, 4).Transactions()];
        var sizes = new List<int>();

        List<VoucherTransaction> read = await SourceReader.ReadAllAsync(new InMemoryTransactionSource(rows, batchSize), sizes);

        TransactionAssert.Equal(rows, read);
        Assert.Equal(Enumerable.Range(0, (100 + batchSize - 1) / batchSize).Select(i => Math.Min(batchSize, 100 - i * batchSize)), sizes);
    }

    [Fact]
    public async Task AnArrayIsSlicedNotCopied()
    {
        VoucherTransaction[] rows = [.. new DemoLedger(10, 4).Transactions()];
        int offset = 0;
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in new InMemoryTransactionSource(rows, 3).ReadAsync(SourceReader.Query(), default))
        {
            Assert.True(MemoryMarshal.TryGetArray(batch, out ArraySegment<VoucherTransaction> segment));
            Assert.Same(rows, segment.Array);
            Assert.Equal(offset, segment.Offset);
            offset += segment.Count;
        }

        Assert.Equal(10, offset);
    }

    [Fact]
    public async Task EmptyHasNoBatches()
    {
        Assert.Empty(await SourceReader.ReadAllAsync(new InMemoryTransactionSource([])));
    }

    [Theory]
    [InlineData(null, ExportOrder.CreatedAtAscending, false)]
    [InlineData(ExportOrder.CreatedAtAscending, ExportOrder.CreatedAtAscending, true)]
    [InlineData(ExportOrder.CreatedAtAscending, ExportOrder.CreatedAtDescending, false)]
    [InlineData(ExportOrder.CreatedAtDescending, ExportOrder.CreatedAtDescending, true)]
    public void PlanAppliesTheDeclaredOrderOnly(ExportOrder? declared, ExportOrder asked, bool orderApplied)
    {
        var source = new InMemoryTransactionSource([], declaredOrder: declared);

        Assert.Equal(new SourcePushdown(false, orderApplied), source.Plan(SourceReader.Query(asked)));
    }

    [Fact]
    public async Task StopsWhenCancelled()
    {
        using var cts = new CancellationTokenSource();
        var source = new InMemoryTransactionSource([.. new DemoLedger(10).Transactions()], 2);
        int batches = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var batch in source.ReadAsync(SourceReader.Query(), cts.Token))
            {
                batches++;
                await cts.CancelAsync();
            }
        });
        Assert.Equal(1, batches);
    }
}
